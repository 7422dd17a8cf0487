import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// A chapter plan covers every plot point of the outline once and in order, whatever the model
/// writes around it.
@Suite struct ChapterOutlineTests {
    @Test(arguments: [(7, 3), (4, 2), (1, 1), (5, 5), (12, 5), (3, 9), (0, 2), (20, 1)])
    func theRunsCoverEveryPointOnceInOrderAndEvenly(_ points: Int, _ chapters: Int) {
        let plan = ChapterPlan(points: points, chapters: chapters)
        #expect(plan.runs.count == max(1, min(chapters, max(points, 1))))
        #expect(plan.runs.flatMap { Array($0) } == Array(0..<points))
        let lengths = plan.runs.map(\.count)
        #expect((lengths.max() ?? 0) - (lengths.min() ?? 0) <= 1)
        #expect(lengths == lengths.sorted(by: >), "the earlier chapters take the extra points")
        if points > 0 { #expect(lengths.allSatisfy { $0 > 0 }) }
    }

    @Test func aListIsOnePointPerItemAndProseOnePerSentence() {
        let list = """
            # Act one:
            - Mara finds the key under Mr. Hale's stair.
            - She opens the vault,
              and the floods begin.
            2) The city turns on her.
            Act two:
            * Mara flees north.
            """
        #expect(PlotOutline.points(of: list) == [
            "Mara finds the key under Mr. Hale's stair.", "She opens the vault, and the floods begin.", "The city turns on her.",
            "Mara flees north.",
        ])
        // One sentence running through its beats is a beat list.
        #expect(PlotOutline.points(of: "Hero finds door, explores, and finds treasure.") == ["Hero finds door", "explores", "finds treasure."])
        #expect(PlotOutline.points(of: "When Ari arrives, the door is open.") == ["When Ari arrives, the door is open."])
        #expect(PlotOutline.points(of: "Ari arrives, late. The door, old, opens.") == ["Ari arrives, late.", "The door, old, opens."])
        #expect(PlotOutline.points(of: "Dr. Vell dies. Mara asks \"why?\" Then the war…\n\nThe end") == [
            "Dr. Vell dies.", "Mara asks \"why?\"", "Then the war…", "The end",
        ])
        #expect(PlotOutline.points(of: "  \n - \n...").isEmpty)
    }

    /// Planning reads the outline once, in one pass, and a plan already kept is not shown to the
    /// model planning anew; a kept plan is shown to the others, bounded.
    @Test func aLongOutlineIsRefusedAndAKeptPlanIsLeftOutOfANewOne() {
        var huge = GenerateChapterOutlinesRequest(structuredContext: StructuredContext(
            plotContext: PlotContext(plotOutline: String(repeating: "a.", count: 60_000))))
        #expect(huge.validate().first?.type == "too_long")
        let dots = String(repeating: "Mr.a", count: 20_000)
        let started = ContinuousClock.now
        #expect(PlotOutline.points(of: dots).count == 1)
        #expect(ContinuousClock.now - started < .seconds(2), "one pass, however the dots fall")

        var outlined = OperationSamples.generateChapterOutlines
        let plan = (1...50).map { ChapterOutline(number: $0, title: "Kept \($0)", summary: String(repeating: "word ", count: 100), characters: [], plotPoints: []) }
        outlined.structuredContext?.plotContext?.chapterPlan = plan
        var review = OperationSamples.editorReview
        review.structuredContext = outlined.structuredContext
        let reviewPrompt = StoryPrompt(review).messages().map(\.content).joined()
        #expect(reviewPrompt.contains("30. Kept 30") && !reviewPrompt.contains("31. Kept 31"))
        #expect(reviewPrompt.count < 20_000, "the plan's summaries are cut")
        #expect(outlined.validate().isEmpty)
        #expect(!StoryPrompt(outlined).messages().map(\.content).joined().contains("Kept 1"))
    }

    @Test func aRequestIsRefusedWithoutAnOutlineOrWithMoreChaptersThanPoints() {
        var empty = GenerateChapterOutlinesRequest(structuredContext: StructuredContext(plotContext: PlotContext(plotOutline: " - ")))
        #expect(empty.validate().first?.loc == ["body", "structured_context", "plotContext", "plotOutline"])
        var none = GenerateChapterOutlinesRequest()
        #expect(none.validate().first?.type == "missing")
        var tooMany = OperationSamples.generateChapterOutlines
        tooMany.chapterCount = 5
        #expect(tooMany.validate().first?.type == "value_error")
        var fine = OperationSamples.generateChapterOutlines
        #expect(fine.validate().isEmpty)
        fine.chapterCount = nil
        #expect(fine.chapters == 2, "one chapter for every two plot points")
    }

    /// Each chapter's entry has its own key in the grammar, so the model knows which chapter it
    /// is writing, and its characters are the story's.
    @Test func theAnswerIsShapedChapterByChapter() {
        let request = OperationSamples.generateChapterOutlines
        let plan = request.answerPlan(OperationPipeline.Configuration())
        let grammar = plan.constraint?.grammar ?? ""
        #expect(grammar.contains(#""\"chapter 1\"""#) && grammar.contains(#""\"chapter 2\"""#))
        #expect(!grammar.contains(#""\"chapter 3\"""#))
        #expect(grammar.contains(#""\"Ari\"""#))
        #expect(plan.constraint?.jsonSchema?.contains(#""enum":["Ari"]"#) == true)
        let task = request.task(names: []).sections.joined()
        #expect(task.contains("chapter 1: plot points 1–2; chapter 2: plot points 3–4."))
        // Each plot point is in the prompt once, in the outline; its chapter's entry opens with it.
        let prompt = StoryPrompt(request).messages().map(\.content).joined()
        #expect(prompt.components(separatedBy: "Ari explores the tunnels beneath the farm.").count == 2)
        #expect(grammar.contains("Ari explores the tunnels beneath the farm. / She finds the treasure"))
        // A chapter may have no one in it.
        #expect(grammar.contains(#"ws "[" ws (item"#))
    }

    @Test func aTitleLosesTheChapterNumberTheModelPutsBeforeIt() {
        #expect(GenerateChapterOutlinesRequest.title("Chapter 1: The Glass Council") == "The Glass Council")
        #expect(GenerateChapterOutlinesRequest.title(" chapter 12 — Below ") == "Below")
        #expect(GenerateChapterOutlinesRequest.title("Chapter 3") == nil)
        #expect(GenerateChapterOutlinesRequest.title("Chapters of Salt") == "Chapters of Salt")
        #expect(GenerateChapterOutlinesRequest.title("") == nil)
    }

    /// Character names are the writer's: quotes and backslashes in them are escaped in both
    /// constraints.
    @Test func namesAreEscapedInTheGrammarAndTheSchema() throws {
        let shape = JSONShape.choice(["Mara \"Red\" Vell", "Back\\slash"])
        #expect(shape.jsonSchema == #"{"type":"string","enum":["Mara \"Red\" Vell","Back\\slash"]}"#)
        let schema = try JSONSerialization.jsonObject(with: Data(shape.jsonSchema.utf8)) as? [String: Any]
        #expect(schema?["enum"] as? [String] == ["Mara \"Red\" Vell", "Back\\slash"])
        #expect(shape.grammar.contains(#""\"" "Mara \\\"Red\\\" Vell" "\"""#), "\(shape.grammar)")
    }

    @Test func theResultKeepsEveryPlotPointAndOnlyTheStorysCharacters() throws {
        let request = OperationSamples.generateChapterOutlines
        let result = try request.result(from: OperationTests.finished(OperationSamples.answer(to: GenerateChapterOutlinesRequest.operationName)))
        #expect(result.outlines.map(\.number) == [1, 2])
        #expect(result.outlines.flatMap(\.plotPoints) == request.plotPoints)
        #expect(result.outlines[0].title == "The Door Below")
        #expect(result.outlines.allSatisfy { $0.characters == ["Ari"] })
        #expect(result.contextMetadata.truncated == nil)

        // Cut off in the second chapter: the plan still covers the outline and says it was cut.
        let cut = #"{"chapter 1": {"title": "The Door", "summary": "Ari opens the door with Bram watching.", "characters": ["Zed"]}, "chapter 2": {"title": "Tun"#
        let partial = try request.result(from: OperationTests.finished(cut, stoppedAtLimit: true))
        #expect(partial.outlines.flatMap(\.plotPoints) == request.plotPoints)
        #expect(partial.outlines[0].characters == ["Ari"], "a name the story does not have is dropped; one the summary names is kept")
        #expect(partial.outlines[1].summary.isEmpty && partial.outlines[1].title == "Tun")
        #expect(partial.contextMetadata.truncated == true)

        #expect(throws: OperationFailure.self) { try request.result(from: OperationTests.finished(#"{"chapter 1": {"title": "x"}}"#)) }
    }
}

/// A bio is one paragraph within the length asked.
@Suite struct BioTests {
    @Test func aLongAnswerIsCutBackToWholeSentencesWithinTheLength() throws {
        var request = OperationSamples.regenerateBio
        request.words = 15
        let answer = "Ari is a brave farm girl of sixteen.\nShe laughs easily and often.\n\nA second paragraph that is not the bio."
        let result = try request.result(from: OperationTests.finished(answer))
        #expect(result.bio == "Ari is a brave farm girl of sixteen. She laughs easily and often.")
        #expect(result.words == 13 && result.words <= 15)
        #expect(result.contextMetadata.truncated == nil)

        request.words = 15
        let long = try request.result(from: OperationTests.finished(
            "Ari is a brave farm girl of sixteen who laughs easily and longs to see what lies past the forest."))
        #expect(long.words <= 15 && long.bio.hasSuffix("…"))
        #expect(long.contextMetadata.truncated == true)

        let sample = try OperationSamples.regenerateBio.result(from: OperationTests.finished(OperationSamples.answer(to: "regenerate-bio")))
        #expect(sample.characterName == "Ari" && sample.words <= 40)
        #expect(throws: OperationFailure.self) { try request.result(from: OperationTests.finished("\n# Bio\n")) }
    }

    @Test func theLengthIsBoundedAndThePromptCarriesTheSheet() {
        var request = OperationSamples.regenerateBio
        #expect(request.validate().isEmpty)
        request.words = 1_000
        #expect(request.validate().first?.type == "value_error")
        request.words = nil
        #expect(request.wordLimit == RegenerateBioRequest.defaultWords)
        request.character.name = " "
        #expect(request.validate().first?.loc == ["body", "character", "name"])
        let task = OperationSamples.regenerateBio.task(names: [])
        #expect(task.sections.joined().contains("To see what lies past the forest."))
        #expect(task.instructions.contains("at most 40 words"))
        #expect(OperationSamples.regenerateBio.answerPlan(.init()).constraint == nil)
    }
}
