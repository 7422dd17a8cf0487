import CLlama
import Testing
import WriterAssistantAPI
@testable import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import LlamaEngine

/// Every structured operation's grammar compiles in llama.cpp's own parser, at the default budgets
/// and at small ones.
@Suite struct OperationGrammarTests {
    @Test(arguments: [200, 600])
    func everyOperationsGrammarCompiles(maxTokens: Int) throws {
        let model = try #require(LlamaSamplerTests.model)
        let settings = OperationPipeline.Configuration(sampling: SamplingParameters(maxTokens: maxTokens))
        let operations: [any WritingOperation] = [
            OperationSamples.raterFeedback, OperationSamples.characterFeedback, OperationSamples.editorReview,
            OperationSamples.modifyChapter, OperationSamples.generateCharacterDetails,
            GenerateCharacterDetailsRequest(basicBio: "A smith.", existingCharacters: [
                StoryCharacter(name: "Zoë-Ann"), StoryCharacter(name: "A^b"), StoryCharacter(name: "Nul\u{0}l"),
                StoryCharacter(name: "Ĳsbrand 🐉 Øre"), StoryCharacter(name: "Zoë"), StoryCharacter(name: String(repeating: "x", count: 100_000)),
            ]),
            OperationSamples.generateChapterOutlines,
            GenerateChapterOutlinesRequest(chapterCount: 20, structuredContext: StructuredContext(
                characters: [StoryCharacter(name: "Mara \"Red\" Vell"), StoryCharacter(name: "Back\\slash"), StoryCharacter(name: "Ĳsbrand 🐉")],
                plotContext: PlotContext(plotOutline: (1...30).map { "- Beat \($0)." }.joined(separator: "\n")))),
            EditorReviewRequest(chapterToReview: "Ari said \"no\" twice.\nThe path\\road — long! Élan vital hummed: {x} [y] <z>.\tTabs\u{7F}too."),
        ]
        for operation in operations {
            let grammar = try #require(operation.answerPlan(settings).constraint?.grammar)
            #expect(throws: Never.self, "\(type(of: operation).operationName):\n\(grammar)") {
                _ = try LlamaSampler(model: model, parameters: SamplingParameters(temperature: 0, maxTokens: 0), grammar: grammar)
            }
        }
    }

    /// Rater feedback's grammar lets a suggestion open only with three words, as the operations'
    /// do: not with punctuation left over from the list, bits of JSON, digits, an identifier or a
    /// label, which the default model wrote before (QUALITY.md's examples).
    @Test func raterSuggestionsOpenWithWordsNotJunk() throws {
        let model = try #require(LlamaSamplerTests.model)
        let grammar = AnswerFormat.shape(suggestions: AnswerFormat.suggestionRange).grammar
        let opening = #"{"opinion": "Mara's choice to trust Ivo comes too early in the chapter.", "suggestions": ["#
        let good = #"Let Mara hesitate before she opens the smugglers' ledger.", "Suggest that Ivo has a reason, well-hidden, to want it found."#
        #expect(try Self.allows(grammar, opening + "\"" + good, model))
        for junk in [", This is a classic example", "]} { } In this way", "suggestions_3289170546_14eaeafabfcaa7bef", "suggestions 2-4: You should",
                     "suggestions': I would make one change", "Suggestion: Let Mara wait", "Opinion, then: Mara waits",
                     "- Let Mara wait a day", "'suggestions': I would", "```json {", "suggestIONS” : This list"] {
            #expect(try !Self.allows(grammar, opening + "\"" + junk, model), "\(junk)")
        }
        #expect(try !Self.allows(grammar, #"{"opinion": ", The story is not as the writer suggests.""#, model))
        // A whole answer of such suggestions is one the grammar can end.
        let suggestions = (1...4).map { #""Let Mara wait \#($0) days before she opens the ledger.""# }.joined(separator: ", ")
        #expect(try Self.allows(grammar, opening + suggestions + "]}", model, thenEnds: true))
    }

    /// The operations' entries open the same way; a label is kept out, a word that merely begins
    /// like one is not.
    @Test func operationEntriesOpenWithWordsNotLabels() throws {
        let model = try #require(LlamaSamplerTests.model)
        let grammar = JSONShape.list(.string(minimum: 10, maximum: 200, words: 3), count: 1...3).grammar
        #expect(try Self.allows(grammar, #"["Opinionated, stubborn and kind to strangers.", "Suggests a walk at dawn."]"#, model, thenEnds: true))
        for label in ["Opinion: she is kind", "opinions, then, of", "OPINION she is kind", "Suggestions: she is kind", "SuGgEsTion she is", "- She is kind", "`She` is kind"] {
            #expect(try !Self.allows(grammar, #"[""# + label, model), "\(label)")
        }
    }

    /// A new character's name is none of the story's written another way: not in another letter
    /// case, not run together, not with a hyphen, not as the first name with another surname;
    /// names that merely begin alike are different people.
    @Test func aNewNameIsNoExistingOneWrittenAnotherWay() throws {
        let model = try #require(LlamaSamplerTests.model)
        let grammar = JSONShape.name(excluding: ["Maren Vell", "Al", "Élodie", "O'Brien", "Ari"]).grammar
        for taken in ["MarenVell", "maren Ash", "MAREN", "Maren-Vell", "Maren", "Al", "al Vell", "élodie", "ÉLODIE Roy", "OBrien", "Ari-El", "ari'an", "MarenVell-Ash", "marenvellson", "Maren-Vellish"] {
            #expect(try !Self.allows(grammar, "\"" + taken + "\"", model, thenEnds: true), "\(taken)")
        }
        for new in ["Aldous Penn", "Alice", "Marena", "Vell Maren", "Mara", "Ossian"] {
            #expect(try Self.allows(grammar, "\"" + new + "\"", model, thenEnds: true), "\(new)")
        }
    }

    /// A revision check's grammar quotes the revision's new sentences, hostile ones included, and
    /// lets the model answer each change with one of them or "none", then yes or no.
    @Test func aRevisionCheckQuotesOnlyNewSentences() throws {
        let model = try #require(LlamaSamplerTests.model)
        let revised = "Ari walked home. Rain said \"no\" to the path\\road {x} [y]. She opened the door."
        let check = ChangeCheck(changes: ["Make it rain", "Add a dog"], original: "Ari walked home. She opened the door.", revised: revised)
        #expect(check.newPassages == [#"Rain said "no" to the path\road {x} [y]"#])
        let grammar = check.shape.grammar
        let verdict = #"{"changes": [{"passage": "Rain said \"no\" to the path\\road {x} [y]", "made": "yes"}, {"passage": "none", "made": "no"}]}"#
        #expect(try Self.allows(grammar, verdict, model, thenEnds: true))
        #expect(try !Self.allows(grammar, #"{"changes": [{"passage": "She opened the door", "made": "yes"}"#, model))
        #expect(try !Self.allows(grammar, #"{"changes": [{"passage": "none", "made": "yes"}]}"#, model, thenEnds: true))
    }

    /// Whether the grammar lets the model write `text`, token by token, and (`thenEnds`) then end.
    static func allows(_ grammar: String, _ text: String, _ model: LlamaModel, thenEnds: Bool = false) throws -> Bool {
        let sampler = try #require(llama_sampler_init_grammar(model.vocab, grammar, "root"))
        defer { llama_sampler_free(sampler) }
        func admits(_ token: llama_token) -> Bool {
            var candidate = llama_token_data(id: token, logit: 1, p: 0)
            withUnsafeMutablePointer(to: &candidate) { pointer in
                var array = llama_token_data_array(data: pointer, size: 1, selected: -1, sorted: false)
                llama_sampler_apply(sampler, &array)
            }
            return candidate.logit != -Float.infinity
        }
        for token in try model.tokenize(text) {
            guard admits(token) else { return false }
            llama_sampler_accept(sampler, token)
        }
        return !thenEnds || admits(llama_vocab_eos(model.vocab))
    }
}
