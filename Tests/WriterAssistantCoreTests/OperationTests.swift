import Foundation
import Testing
import WriterAssistantAPI
@testable import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport

/// The operations as plain descriptions: prompts, budgets, validation and how answers are read,
/// without a model.
@Suite struct OperationTests {
    static func finished(_ text: String, stoppedAtLimit: Bool = false) -> FinishedAnswer {
        FinishedAnswer(
            text: text, stoppedAtLimit: stoppedAtLimit, metadata: ContextMetadata(tokens: 10, processingTime: 1),
            instructions: "")
    }

    // MARK: One story, one prefix

    /// Every operation lays the story out identically before its own part, so that all of them
    /// share the story's cached prefix.
    @Test func everyOperationOnOneStorySharesTheStorysPrefix() throws {
        let model = ScriptedModel(script: .wellFormed())
        let operations: [any WritingOperation] = [
            OperationSamples.raterFeedback, OperationSamples.characterFeedback, OperationSamples.editorReview,
            OperationSamples.generateChapter, OperationSamples.modifyChapter, OperationSamples.fleshOut,
            OperationSamples.generateCharacterDetails,
            // A chat's first turn and its later ones: the next turn reads the story from the cache.
            ChatRequest(agent: .writer, messages: [ConversationMessage(role: .user, content: "What next?")], structuredContext: OperationSamples.story),
            OperationSamples.chat,
        ]
        let rendered = try operations.map { try model.renderChat(StoryPrompt($0).messages()) }
        let lastChapter = try #require(rendered[0].range(of: "Ari grew up on a quiet farm at the edge of the forest."))
        let story = rendered[0][..<lastChapter.upperBound]
        for (operation, prompt) in zip(operations, rendered) {
            #expect(prompt.hasPrefix(story), "\(type(of: operation).operationName)")
        }
        #expect(Set(rendered).count == rendered.count)
    }

    @Test func everyOperationIsListedOnceWithItsOwnPath() {
        let names = WritingOperations.all.map { $0.operationName }
        #expect(names == [
            "rater-feedback", "character-feedback", "editor-review", "generate-chapter", "modify-chapter", "flesh-out",
            "generate-character-details", "regenerate-bio", "generate-chapter-outlines", "archive/ask", "chat",
        ])
    }

    // MARK: Budgets

    @Test func aChapterIsBudgetedForTheWordsAskedWithinTheServersLimit() {
        let settings = OperationPipeline.Configuration(chapterMaxTokens: 1_500)
        // 60 words asked: at most 75, at 1.5 tokens a word.
        #expect(OperationSamples.generateChapter.answerPlan(settings).sampling.maxTokens == 112)
        var long = OperationSamples.generateChapter
        long.targetWords = 5_000
        #expect(long.answerPlan(settings).sampling.maxTokens == 1_500)
        // None asked: the default 600 words' most, 750.
        long.targetWords = nil
        #expect(long.answerPlan(settings).sampling.maxTokens == 1_125)
        #expect(long.answerPlan(settings).constraint == nil, "prose is free text")
    }

    @Test func structuredOperationsUseTheAnswerBudgetAndAGrammar() throws {
        let settings = OperationPipeline.Configuration(sampling: SamplingParameters(maxTokens: 321))
        let structured: [any WritingOperation] = [
            OperationSamples.characterFeedback, OperationSamples.editorReview, OperationSamples.generateCharacterDetails,
        ]
        for operation in structured {
            let plan = operation.answerPlan(settings)
            #expect(plan.sampling.maxTokens == 321)
            let schema = try #require(plan.constraint?.jsonSchema)
            #expect((try JSONSerialization.jsonObject(with: Data(schema.utf8))) is [String: Any])
            #expect(plan.constraint?.grammar?.hasPrefix("root ::= \"{\"") == true)
        }
        // A revision is as long as the chapter, within the chapter limit.
        let revision = OperationSamples.modifyChapter.answerPlan(OperationPipeline.Configuration(chapterMaxTokens: 1_000))
        #expect((200...1_000).contains(revision.sampling.maxTokens))
        #expect(revision.constraint?.grammar?.contains("modifiedChapter") == true)
    }

    @Test func theShapesGrammarAndSchemaAgree() throws {
        let shape = JSONShape.object([
            ("name", .string(minimum: 2, maximum: 40)),
            ("tags", .list(.string(minimum: 1, maximum: nil), count: 1...3)),
            ("level", .choice(["high", "low"])),
        ])
        #expect(shape.grammar.contains(#""\"name\"" ws ":" ws "\"" lead char{1,39} "\"""#))
        #expect(shape.grammar.contains(#"char{0,}"#))
        #expect(shape.grammar.contains(#"){0,2} ws "]""#))
        #expect(shape.grammar.contains(#"("\"high\"" | "\"low\"")"#))
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(shape.jsonSchema.utf8)) as? [String: Any])
        #expect(schema["required"] as? [String] == ["name", "tags", "level"])
        let tags = try #require((schema["properties"] as? [String: Any])?["tags"] as? [String: Any])
        #expect(tags["maxItems"] as? Int == 3)
    }

    /// An editor's issue can only open with a passage the chapter has: its sentences, the first
    /// words of long ones, escaped as JSON inside the grammar.
    @Test func anIssueQuotesOnlyPassagesOfTheChapter() throws {
        let chapter = "Ari said \"no\" twice.\nThe path\\road was long and wound through the hills past the mill and the old bridge and on. Ok.\nÉlan vital — it hummed!"
        #expect(EditorReviewRequest.passages(of: chapter) == [
            "Ari said \"no\" twice.", "The path\\road was long and wound through the hills past the mill", "Élan vital — it hummed!",
        ])
        let grammar = try #require(EditorReviewRequest(chapterToReview: chapter).answerPlan(.init()).constraint?.grammar)
        #expect(grammar.contains(#" ::= "Ari said \\\"no\\\" twice." | "The path\\\\road was"#))
        #expect(grammar.contains(#""\"issue\"" ws ":" ws "\"'" passage"#))
        #expect(grammar.contains(#"' " char{10,250} "\"""#))
        // A long chapter is quoted all over, a run without sentence ends only as far as a passage goes.
        let long = (1...1_000).map { "Sentence number \($0) is here." }.joined(separator: " ")
        let spread = EditorReviewRequest.passages(of: long)
        #expect(spread.count <= 150 && spread.contains("Sentence number 995 is here."))
        let started = ContinuousClock.now
        let endless = EditorReviewRequest.passages(of: String(repeating: "word ", count: 1_000_000) + String(repeating: "é", count: 500))
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(endless.count == 1 && endless[0].count <= 160)
        #expect(EditorReviewRequest.passages(of: String(repeating: "é", count: 400) + " a b c.").allSatisfy { !$0.contains("\u{FFFD}") })

        // Nothing to quote: the issue is free again.
        let short = try #require(EditorReviewRequest(chapterToReview: "Two words").answerPlan(.init()).constraint?.grammar)
        #expect(!short.contains("passage"))
    }

    /// A hostile story cannot make the name grammar large: words no word rule could write are not
    /// excluded, and only so many are.
    @Test func theNameExclusionStaysSmallWhateverTheStory() throws {
        let huge = GenerateCharacterDetailsRequest(
            basicBio: "A smith.",
            existingCharacters: (0..<10_000).map { StoryCharacter(name: "Name\($0 % 26)x\(String(repeating: "y", count: $0 % 40))") }
                + [StoryCharacter(name: String(repeating: "z", count: 1_000_000)), StoryCharacter(name: "A^b \u{0}")])
        let started = ContinuousClock.now
        let grammar = try #require(huge.answerPlan(.init()).constraint?.grammar)
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(grammar.utf8.count < 200_000)
        #expect(!grammar.contains("zzzz") && !grammar.contains("^b"))

        let ari = try #require(OperationSamples.generateCharacterDetails.answerPlan(.init()).constraint?.grammar)
        // "A", "r", "i" in either case step through the trie, and "Ari" itself has no way to end.
        #expect(ari.contains(#"[\u0061\u0041] newname"#))
        #expect(WordExclusion(excluding: ["Zoë-Ann Smith", "Zoë", "zoë"]).words.count == 3)
    }

    // MARK: Reading answers

    @Test func aCutOffObjectKeepsTheStringItWasWriting() throws {
        let whole = try #require(JSONAnswer(#"Sure! {"changesSummary": "Rain.", "modifiedChapter": "It rained."} Done."#))
        #expect(!whole.cutOff && whole.string("modifiedChapter") == "It rained.")

        let cut = try #require(JSONAnswer(#"{"changesSummary": "Rain.", "modifiedChapter": "It rained all night. The roof lea"#))
        #expect(cut.cutOff && cut.cutInside == "modifiedChapter")
        #expect(cut.string("modifiedChapter") == "It rained all night. The roof lea")

        let inList = try #require(JSONAnswer(#"{"actions": ["Runs.", "Hides beh"#))
        #expect(inList.cutInside == "actions" && inList.strings("actions") == ["Runs.", "Hides beh"])

        let afterKey = try #require(JSONAnswer(#"{"name": "Bram", "sex": "male", "age""#))
        #expect(afterKey.string("name") == "Bram" && afterKey.fields["age"] == nil)

        let escape = try #require(JSONAnswer(#"{"name": "Br\u00"#))
        #expect(escape.string("name") == "Br")
        let escapedSlash = try #require(JSONAnswer(#"{"path": "C:\\u12"#))
        #expect(escapedSlash.string("path") == #"C:\u12"#)

        #expect(JSONAnswer("no object here") == nil)
    }

    /// A quote followed by a combining mark is one character to Swift but a quote to JSON: the cut
    /// is found by reading bytes, as the answer guides do.
    @Test func aCutOffStringThatOpensWithACombiningMarkIsKept() throws {
        let cut = try #require(JSONAnswer("{\"note\": \"Ok.\", \"text\": \"\u{301}bc"))
        #expect(cut.cutOff && cut.cutInside == "text")
        #expect(cut.string("note") == "Ok." && cut.string("text") == "\u{301}bc")
    }

    @Test func characterFeedbackReadsItsFiveListsInTheCharactersName() throws {
        var request = OperationSamples.characterFeedback
        request.characterName = "  ari "
        let result = try request.result(from: Self.finished(OperationSamples.answer(to: "character-feedback")))
        #expect(result.characterName == "Ari")
        #expect(result.feedback.dialog == ["Who built you, door?"])
        #expect(result.feedback.internalMonologue.count == 1)
        #expect(result.contextMetadata.truncated == nil)
    }

    @Test func editorSuggestionsComeMostImportantFirst() throws {
        let result = try OperationSamples.editorReview.result(from: Self.finished(OperationSamples.answer(to: "editor-review")))
        #expect(result.suggestions.map(\.priority) == [.high, .medium])
        #expect(result.suggestions[1].issue.hasPrefix("'The door was old.'"))
    }

    @Test func aChapterLosesItsTitleAndAnUnfinishedLastSentence() throws {
        let whole = try OperationSamples.generateChapter.result(from: Self.finished(OperationSamples.answer(to: "generate-chapter")))
        #expect(whole.chapterText.hasPrefix("Ari crept"))
        #expect(whole.wordCount == 16)
        #expect(whole.contextMetadata.truncated == nil)

        let cut = try OperationSamples.generateChapter.result(
            from: Self.finished("# The Door\nAri crept down. \"Who's there?\" she asked. The dark ans", stoppedAtLimit: true))
        #expect(cut.chapterText == "Ari crept down. \"Who's there?\" she asked.")
        #expect(cut.contextMetadata.truncated == true)

        #expect(throws: OperationFailure.self) { try OperationSamples.generateChapter.result(from: Self.finished("  \n")) }
    }

    /// Small models run on past the chapter into a heading of their own ("## Chapter 3",
    /// "# Story summary"); the chapter is what came before it.
    @Test func aHeadingAfterTheProseEndsTheChapter() throws {
        let answer = "**Chapter 1**\nAri found the book.\n\nShe sang.\n\n# Story summary\nAri, who had grown up\n## Chapter 3\nMore."
        let result = try OperationSamples.generateChapter.result(from: Self.finished(answer, stoppedAtLimit: true))
        #expect(result.chapterText == "Ari found the book.\n\nShe sang.")
        #expect(result.contextMetadata.truncated == nil)
    }

    /// A scene break is not a heading, and a revision keeps the writer's headings.
    @Test func sceneBreaksAndTheWritersHeadingsStay() throws {
        let chapter = try OperationSamples.generateChapter.result(from: Self.finished("Ari ran.\n\n#\n\nShe slept.\n###\nDawn came."))
        #expect(chapter.chapterText == "Ari ran.\n\n#\n\nShe slept.\n###\nDawn came.")
        let revision = try OperationSamples.modifyChapter.result(from: Self.finished(
            #"{"modifiedChapter": "Ari ran.\n\n# Part two\n\nShe slept.", "changesSummary": "Split in two parts."}"#))
        #expect(revision.modifiedChapter == "Ari ran.\n\n# Part two\n\nShe slept.")
        #expect(revision.contextMetadata.truncated == nil)
    }

    /// A revision whose chapter was closed to leave room for its summary says it was cut.
    @Test func aRevisionClosedForItsSummaryIsTruncated() throws {
        let answer = #"{"modifiedChapter": "Ari ran home.", "changesSummary": "Shorter."}"#
        var metadata = ContextMetadata(tokens: 500, processingTime: 1)
        metadata.completionTokens = 400
        let closed = try OperationSamples.modifyChapter.result(from: FinishedAnswer(
            text: answer, stoppedAtLimit: false, metadata: metadata, instructions: "", maxTokens: 450))
        #expect(closed.contextMetadata.truncated == true)
        let roomy = try OperationSamples.modifyChapter.result(from: FinishedAnswer(
            text: answer, stoppedAtLimit: false, metadata: metadata, instructions: "", maxTokens: 900))
        #expect(roomy.contextMetadata.truncated == nil)
    }

    /// Entries that repeat the instructions, or each other, are not the character speaking.
    @Test func characterEntriesThatEchoTheInstructionsAreLeftOut() throws {
        let request = OperationSamples.characterFeedback
        let instructions = request.task(names: ["Ari"]).instructions
        let answer = #"{"actions": ["Live this plot point as Ari, in Ari's own voice.", "Ari grips the cold brass handle."], "#
            + #""dialog": ["Who built you, door?", "Who built you, door?"], "physicalSensations": ["Her palms sweat."], "#
            + #""emotions": ["Fear and wild curiosity."], "internalMonologue": ["I have to know."]}"#
        let result = try request.result(from: FinishedAnswer(
            text: answer, stoppedAtLimit: false, metadata: ContextMetadata(tokens: 1, processingTime: 1), instructions: instructions))
        #expect(result.feedback.actions == ["Ari grips the cold brass handle."])
        #expect(result.feedback.dialog == ["Who built you, door?"])
    }

    @Test func aRevisionCutOffInItsChapterKeepsItsCompleteSentences() throws {
        let result = try OperationSamples.modifyChapter.result(from: Self.finished(
            #"{"modifiedChapter": "Ari grew up on a farm. Rain drummed on the ro"#, stoppedAtLimit: true))
        #expect(result.modifiedChapter == "Ari grew up on a farm.")
        #expect(result.changesSummary == ModifyChapterRequest.noSummary)
        #expect(result.contextMetadata.truncated == true)
        #expect(result.wordCount == 6)

        // Cut off inside the summary: the chapter is whole, the summary as far as it went.
        let late = try OperationSamples.modifyChapter.result(from: Self.finished(
            #"{"modifiedChapter": "Ari grew up on a farm.", "changesSummary": "Rain ev"#, stoppedAtLimit: true))
        #expect(late.modifiedChapter == "Ari grew up on a farm." && late.changesSummary == "Rain ev")

        // Cut off before any of the chapter: nothing to give.
        let early = #"{"modifiedChapter": ""#
        #expect(throws: OperationFailure(.answerTruncated, "")) {
            _ = try Self.onlyCode(OperationSamples.modifyChapter.result(from: Self.finished(early, stoppedAtLimit: true)))
        }
    }

    /// The revised chapter closes in time for its summary: at a sentence end once the room gets
    /// short, at once when it is almost gone, and never in another string.
    @Test func aLongStringClosesInTimeForWhatFollows() {
        var guide = LongStringGuide(string: 2, reserve: 110)
        for piece in [#"{"modifiedChapter""#, ": ", #""Ari ran"#] { guide.observe(Array(piece.utf8)) }
        #expect(guide.requirement(tokensLeft: 200) == .free)
        #expect(guide.requirement(tokensLeft: 100) == .free, "not at a sentence end")
        #expect(guide.requirement(tokensLeft: 80) == .startsWith(UInt8(ascii: "\"")))
        guide.observe(Array(" home.".utf8))
        #expect(guide.requirement(tokensLeft: 100) == .startsWith(UInt8(ascii: "\"")))
        guide.observe(Array(#"", "changesSummary": "Rain"#.utf8))
        #expect(guide.requirement(tokensLeft: 10) == .free)
    }

    @Test func fleshingOutKeepsTheOriginalBesideTheNewText() throws {
        let result = try OperationSamples.fleshOut.result(from: Self.finished(OperationSamples.answer(to: "flesh-out")))
        #expect(result.originalText == OperationSamples.fleshOut.textToFleshOut)
        #expect(result.fleshedOutText.hasPrefix("Ari found the door"))
    }

    @Test func aCharacterSheetHasEveryFieldOfAStoryCharacter() throws {
        let sheet = try OperationSamples.generateCharacterDetails.result(
            from: Self.finished(OperationSamples.answer(to: "generate-character-details")))
        #expect(sheet.character.name == "Bram" && sheet.character.usualClothing == "A leather apron over a wool shirt.")
        let cut = try OperationSamples.generateCharacterDetails.result(
            from: Self.finished(#"{"name": "Bram", "sex": "male", "gender": "m"#, stoppedAtLimit: true))
        // A choice cut off half-way ("m" of "man") holds nothing a writer could use.
        #expect(cut.sex == "male" && cut.gender == "" && cut.fears == "" && cut.contextMetadata.truncated == true)
        #expect(throws: OperationFailure.self) {
            try OperationSamples.generateCharacterDetails.result(from: Self.finished("I cannot help with that."))
        }
    }

    /// The error's code alone, so that `#expect(throws:)` compares codes, not wording.
    static func onlyCode<T>(_ body: @autoclosure () throws(OperationFailure) -> T) throws(OperationFailure) -> T {
        do {
            return try body()
        } catch {
            throw OperationFailure(error.code, "")
        }
    }

    // MARK: Validation

    @Test func aCharacterMustBeOneOfTheStorys() throws {
        var unknown = OperationSamples.characterFeedback
        unknown.characterName = "Zed"
        let issues = unknown.validate()
        #expect(issues.map(\.loc) == [["body", "characterName"]])
        #expect(issues.first?.msg.contains("Ari") == true)

        var noStory = OperationSamples.characterFeedback
        noStory.structuredContext = nil
        #expect(noStory.validate().first?.msg.contains("empty") == true)

        var spaced = OperationSamples.characterFeedback
        spaced.characterName = " ARI  "
        #expect(spaced.validate().isEmpty)
    }

    @Test func requiredTextMustNotBeBlankAndLengthsMustBeSane() throws {
        #expect(try Self.issues(#"{"chapterToReview": " "}"#, as: EditorReviewRequest.self) == [["body", "chapterToReview"]])
        #expect(try Self.issues(#"{"currentChapter": "x", "userRequest": ""}"#, as: ModifyChapterRequest.self) == [["body", "userRequest"]])
        #expect(try Self.issues(#"{"plotPoint": "x", "targetWords": 10}"#, as: GenerateChapterRequest.self) == [["body", "targetWords"]])
        #expect(try Self.issues(#"{"plotPoint": "x", "targetWords": "many"}"#, as: GenerateChapterRequest.self) == [["body", "targetWords"]])
        #expect(try Self.issues(#"{"textToFleshOut": "x", "context": 3}"#, as: FleshOutRequest.self) == [["body", "context"]])
        #expect(try Self.issues(#"{"basicBio": "x", "existingCharacters": [{"age": 3}]}"#, as: GenerateCharacterDetailsRequest.self)
            == [["body", "existingCharacters", 0, "name"]])
        #expect(try Self.issues(#"{"basicBio": "A smith.", "unknown": true}"#, as: GenerateCharacterDetailsRequest.self) == [])
        let fleshOut = try FleshOutRequest.decode(validating: Data(#"{"textToFleshOut": "x", "context": "  "}"#.utf8))
        #expect(fleshOut.context == nil)
    }

    static func issues<Request: OperationRequest>(_ body: String, as: Request.Type) throws -> [[LocationComponent]] {
        do {
            _ = try Request.decode(validating: Data(body.utf8))
            return []
        } catch {
            return error.issues.map(\.loc)
        }
    }
}
