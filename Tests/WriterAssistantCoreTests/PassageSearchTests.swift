import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// Passages of the chapters left out, chosen for the request and quoted within the budget.
@Suite struct PassageSearchTests {
    static let filler = "The rain kept on over the harbour and the ferries ran late all week long."

    @Test func chaptersSplitIntoParagraphsLongOnesAtSentenceEndsShortOnesDropped() {
        let long = Array(repeating: "A sentence of some length that goes on a while.", count: 60).joined(separator: " ")
        let split = PassageSearch.paragraphs(of: "\(Self.filler)\n\nYes.\n\n  \n\(long)\nstill the same paragraph.")
        let paragraphs = split.map(\.text)
        // "Yes." is not quoted but is counted: the long paragraph is the writer's third.
        #expect(split.map(\.paragraph) == [1] + Array(repeating: 3, count: split.count - 1))
        #expect(paragraphs.first == Self.filler)
        #expect(!paragraphs.contains("Yes."))
        #expect(paragraphs.count > 2)
        #expect(paragraphs.dropFirst().allSatisfy { $0.count <= PassageSearch.longestPassage })
        #expect(paragraphs.dropFirst().dropLast().allSatisfy { $0.hasSuffix(".") }, "cut at sentence ends")
        #expect(paragraphs.last?.hasSuffix("still the same paragraph.") == true)
    }

    /// Text without a break a cut could use (a URL, a run of dashes, prose without spaces)
    /// is cut at the limit rather than looped on.
    @Test func paragraphsWithoutBreaksAreCutAtTheLimit() {
        let unbroken = "x " + String(repeating: "y", count: 3_000)
        let pieces = PassageSearch.cut(unbroken)
        #expect(pieces.joined().filter { $0 == "y" }.count == 3_000)
        #expect(pieces.allSatisfy { $0.count <= PassageSearch.longestPassage })
        let japanese = String(repeating: "雨が降っていた。", count: 400)
        #expect(PassageSearch.cut(japanese).allSatisfy { $0.count <= PassageSearch.longestPassage && $0.hasSuffix("。") })
    }

    @Test func thePassageThatNamesWhatTheRequestAsksAboutComesFirst() {
        let chapters = [
            (number: 1, text: "\(Self.filler)\n\nIvo drowned below the weir, and nobody spoke of it again.\n\n\(Self.filler)"),
            (number: 2, text: "\(Self.filler)\n\nMara mended the nets by the weir every morning, singing.\n\n\(Self.filler)"),
            (number: 3, text: "\(Self.filler)\n\n\(Self.filler)"),
        ]
        let ranked = PassageSearch(chapters: chapters).ranked(for: "Mara learns how Ivo drowned.")
        #expect(ranked.first == PassageSearch.Passage(
            chapter: 1, paragraph: 2, text: "Ivo drowned below the weir, and nobody spoke of it again.", source: 0, order: 1))
        #expect(ranked.map(\.chapter).contains(2), "Mara's passage, lower")
        #expect(!ranked.contains { $0.text == Self.filler }, "nothing that shares no word with the request")
        #expect(PassageSearch(chapters: chapters).ranked(for: "the of and").isEmpty, "only common words find nothing")
    }

    @Test func aNameIsFoundInItsPossessive() {
        let chapters = [(number: 1, text: "Mara’s boat went down off the point in the spring storm.\n\n\(Self.filler)")]
        let ranked = PassageSearch(chapters: chapters).ranked(for: "What did Mara lose?")
        #expect(ranked.first?.text.hasPrefix("Mara’s boat") == true)
        #expect(PassageSearch.terms(of: "Mara's o'clock") == ["mara", "clock"])
    }

    /// The request's headings are the prompt's words, not the writer's: a chapter that uses them
    /// is not quoted for them.
    @Test func theQueryIsTheRequestWithoutItsHeadings() {
        let task = PromptTask(sections: ["# Plot point to evaluate\nMara runs.", "# Rater\nYou check pacing."], instructions: "x")
        #expect(task.query == "Mara runs.\nYou check pacing.")
        let chapters = [(number: 1, text: "The plot of the play was hard to evaluate from the back row.")]
        #expect(PassageSearch(chapters: chapters).ranked(for: task.query).isEmpty)
    }

    /// Two chapters may carry one number (a writer's own numbering); each one's passages are
    /// quoted under its own heading, never mixed.
    @Test func chaptersSharingANumberAreQuotedApart() {
        let chapters = [
            StoryPrompt.Section(label: "chapter 3", text: "# Chapter 3: Spring\nA.", kind: .chapter, chapter: 3, chapterPosition: 0),
            StoryPrompt.Section(label: "chapter 3", text: "# Chapter 3: Autumn\nB.", kind: .chapter, chapter: 3, chapterPosition: 1),
        ]
        let passages = [
            PassageSearch.Passage(chapter: 3, paragraph: 1, text: "From autumn.", source: 1, order: 0),
            PassageSearch.Passage(chapter: 3, paragraph: 4, text: "From spring, later.", source: 0, order: 3),
            PassageSearch.Passage(chapter: 3, paragraph: 1, text: "From spring.", source: 0, order: 0),
        ]
        let sections = PromptAssembler.sections(quoting: passages, from: chapters)
        #expect(sections.map(\.text) == [
            "# Chapter 3: Spring (passages)\nFrom spring.\n\n[…]\n\nFrom spring, later.",
            "# Chapter 3: Autumn (passages)\nFrom autumn.",
        ])
        #expect(sections.map(\.chapterPosition) == [0, 1])
    }

    static func story(plotPoint: String) -> RaterFeedbackRequest {
        RaterFeedbackRequest(
            raterPrompt: "You check continuity.",
            plotPoint: plotPoint,
            structuredContext: StructuredContext(previousChapters: (1...8).map { number in
                let planted = number == 1 ? "\n\nIvo drowned below the weir, and nobody spoke of it again." : ""
                return Chapter(number: number, title: "Day \(number)", content: Array(repeating: Self.filler, count: 12).joined(separator: " ") + planted)
            }))
    }

    /// A window that holds about four of the eight chapters.
    static let model = ScriptedModel(script: .wellFormed(), contextLength: 800)

    @Test func aChapterLeftOutIsQuotedWhereItBearsOnTheRequest() async throws {
        let story = StoryPrompt(Self.story(plotPoint: "Mara finds out how Ivo drowned at the weir."))
        let assembled = try await PromptAssembler(answerReserve: 100).assemble(story, for: Self.model)
        #expect(assembled.prompt.tokenCount <= 700)
        #expect(assembled.omittedSections.first == "chapter 1")
        #expect(assembled.quotedPassages.map(\.chapter) == [1])
        #expect(assembled.quotedChapters == [QuotedChapter(chapter: 1, paragraphs: [2])])
        let user = assembled.prompt.messages[1].content
        #expect(user.contains("# Chapter 1: Day 1 (passages)\nIvo drowned below the weir, and nobody spoke of it again."))
        // Quoted after the chapters read whole, before the request.
        let quote = try #require(user.range(of: "(passages)"))
        let lastWhole = try #require(user.range(of: "# Chapter 8: Day 8"))
        let plotPoint = try #require(user.range(of: "# Plot point to evaluate"))
        #expect(lastWhole.upperBound < quote.lowerBound && quote.upperBound < plotPoint.lowerBound)

        // The preview shows chapter 1 where it is read, quoted, and the rest left out in order.
        let layout = OperationPipeline.layout(of: story, as: assembled.story)
        let chapters = layout.filter { $0.0.kind == .chapter }.map { "\($0.0.chapter ?? 0) \($0.1)" }
        #expect(chapters.last == "1 quoted")
        #expect(chapters.prefix(assembled.omittedSections.count - 1).allSatisfy { $0.hasSuffix("omitted") })
    }

    /// Passages change with the request, so they come after the summary and the outline: raters
    /// of one panel share the prompt up to them, whatever each is quoted.
    @Test func passagesComeAfterTheOutlineSoAPanelSharesEverythingBefore() async throws {
        var request = Self.story(plotPoint: "Mara finds out how Ivo drowned at the weir.")
        request.structuredContext?.storySummary = StorySummary(summary: "A harbour town keeps its secrets.")
        request.structuredContext?.plotContext = PlotContext(plotOutline: "Mara learns the truth and leaves.")
        // Two raters whose prompts take as many tokens, so the same chapters fit.
        request.raterPrompt = "You check continuity here."
        var other = request
        other.raterPrompt = "You check weir geography."
        let assembler = PromptAssembler(answerReserve: 100)
        let first = try await assembler.assemble(StoryPrompt(request), for: Self.model).prompt.messages[1].content
        let second = try await assembler.assemble(StoryPrompt(other), for: Self.model).prompt.messages[1].content
        let outline = try #require(first.range(of: "Mara learns the truth and leaves."))
        let quote = try #require(first.range(of: "(passages)"))
        #expect(outline.upperBound < quote.lowerBound)
        let shared = String(first[..<quote.lowerBound].dropLast("# Chapter 1: Day 1 ".count))
        #expect(second.hasPrefix(shared))
    }

    @Test func paragraphsAreNamedAsTheWriterCountsThem() async throws {
        var request = Self.story(plotPoint: "Mara finds out how Ivo drowned at the weir.")
        request.structuredContext?.previousChapters?[0].content = "Dawn.\n\nRain.\n\nIvo drowned below the weir, and nobody spoke of it again."
            + "\n\n" + Array(repeating: Self.filler, count: 12).joined(separator: " ")
        let assembled = try await PromptAssembler(answerReserve: 100).assemble(StoryPrompt(request), for: Self.model)
        #expect(assembled.quotedChapters == [QuotedChapter(chapter: 1, paragraphs: [3])])
    }

    @Test func withNothingToQuoteOnlyWhatMustGoIsLeftOut() async throws {
        let story = StoryPrompt(Self.story(plotPoint: "Tomas sells the lighthouse."))
        let quoting = try await PromptAssembler(answerReserve: 100).assemble(story, for: Self.model)
        let plain = try await PromptAssembler(answerReserve: 100, passageShare: 0).assemble(story, for: Self.model)
        #expect(quoting.quotedPassages.isEmpty)
        #expect(quoting.omittedSections == plain.omittedSections)
        #expect(quoting.prompt.tokenCount == plain.prompt.tokenCount)
    }

    @Test func passagesNeverTakeTheRoomOfTheLastingParts() async throws {
        // One chapter that does not fit beside a summary that fills most of the window.
        var request = Self.story(plotPoint: "Mara finds out how Ivo drowned at the weir.")
        let first = Array(request.structuredContext?.previousChapters?.prefix(1) ?? [])
        request.structuredContext?.previousChapters = first
        request.structuredContext?.storySummary = StorySummary(summary: PromptAssemblerTests.words(500))
        let assembled = try await PromptAssembler(answerReserve: 100).assemble(StoryPrompt(request), for: Self.model)
        #expect(assembled.omittedSections == ["chapter 1"])
        #expect(assembled.story.summary != nil)
    }

    @Test func aStoryThatFitsQuotesNothing() async throws {
        let story = StoryPrompt(Self.story(plotPoint: "Mara finds out how Ivo drowned at the weir."))
        let assembled = try await PromptAssembler(answerReserve: 100).assemble(story, for: ScriptedModel(script: .wellFormed(), contextLength: 8192))
        #expect(assembled.omittedSections.isEmpty && assembled.quotedPassages.isEmpty)
    }
}
