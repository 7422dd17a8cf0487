import CLlama
import Testing
import WriterAssistantAPI
import WriterAssistantCore
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
        let grammar = AnswerFormat.grammar(suggestions: AnswerFormat.suggestionRange)
        let opening = #"{"opinion": "Mara's choice to trust Ivo comes too early in the chapter.", "suggestions": ["#
        let good = #"Let Mara hesitate before she opens the smugglers' ledger.", "Suggest that Ivo has a reason, well-hidden, to want it found."#
        #expect(try Self.allows(grammar, opening + "\"" + good, model))
        for junk in [", This is a classic example", "]} { } In this way", "suggestions_3289170546_14eaeafabfcaa7bef", "suggestions 2-4: You should",
                     "suggestions': I would make one change", "Suggestion: Let Mara wait", "Opinion, then: Mara waits"] {
            #expect(try !Self.allows(grammar, opening + "\"" + junk, model), "\(junk)")
        }
        #expect(try !Self.allows(grammar, #"{"opinion": ", The story is not as the writer suggests.""#, model))
    }

    /// Whether the grammar lets the model write `text`, token by token.
    static func allows(_ grammar: String, _ text: String, _ model: LlamaModel) throws -> Bool {
        let sampler = try #require(llama_sampler_init_grammar(model.vocab, grammar, "root"))
        defer { llama_sampler_free(sampler) }
        for token in try model.tokenize(text) {
            var candidate = llama_token_data(id: token, logit: 1, p: 0)
            withUnsafeMutablePointer(to: &candidate) { pointer in
                var array = llama_token_data_array(data: pointer, size: 1, selected: -1, sorted: false)
                llama_sampler_apply(sampler, &array)
            }
            if candidate.logit == -Float.infinity { return false }
            llama_sampler_accept(sampler, token)
        }
        return true
    }
}
