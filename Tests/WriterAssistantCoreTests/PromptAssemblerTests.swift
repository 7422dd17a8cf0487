import Foundation
import Testing
import WriterAssistantLLM
import WriterAssistantAPI
import WriterAssistantTestSupport
@testable import WriterAssistantCore

@Suite struct PromptAssemblerTests {
    static func request(rater: String = "You judge pacing.", chapters: Int = 3, chapterWords: Int = 50) -> RaterFeedbackRequest {
        RaterFeedbackRequest(
            raterPrompt: rater,
            plotPoint: "The hero finds a hidden door.",
            structuredContext: StructuredContext(
                systemPrompts: SystemPrompts(mainPrefix: "PREFIX-MARK", mainSuffix: "SUFFIX-MARK"),
                worldbuilding: Worldbuilding(content: "WORLD-MARK " + words(40)),
                storySummary: StorySummary(summary: "SUMMARY-MARK " + words(40)),
                previousChapters: (1...max(chapters, 1)).prefix(chapters).map {
                    Chapter(number: $0, title: "Title \($0)", content: "CHAPTER-\($0)-MARK " + words(chapterWords))
                },
                characters: [StoryCharacter(name: "Mara", basicBio: "CHARACTER-MARK a locksmith", fears: "the dark")],
                plotContext: PlotContext(plotOutline: "OUTLINE-MARK door, descent, treasure", plotOutlineStatus: "draft")))
    }

    @Test(arguments: [0, 1, 30, 80, 400])
    func aStorysAffinityIsItsOpeningWhateverTheRatersSummaryOrNewChapters(chapterWords: Int) {
        let story = StoryPrompt(Self.request(chapters: 3, chapterWords: chapterWords))
        // The definition: the preamble and the first 2,000 characters of the lasting sections.
        let lasting = ([story.worldbuilding, story.characters].compactMap { $0?.text } + story.chapters.map(\.text))
            .joined(separator: "\n\n")
        #expect(story.affinity == story.systemPreamble + "\n\n" + String(lasting.prefix(StoryPrompt.affinityLength)))

        var other = Self.request(rater: "You judge dialogue.", chapters: 3, chapterWords: chapterWords)
        other.structuredContext?.storySummary = StorySummary(summary: "An edited summary.")
        other.structuredContext?.previousChapters?.append(Chapter(number: 4, title: "New", content: Self.words(300)))
        let sameOpening = StoryPrompt(other).affinity == story.affinity
        #expect(sameOpening == (lasting.count >= StoryPrompt.affinityLength), "a new chapter changes it only while the story is short")
    }

    static func words(_ count: Int) -> String {
        Array(repeating: "word", count: count).joined(separator: " ")
    }

    static func text(of request: RaterFeedbackRequest) -> String {
        StoryPrompt(request).messages().map(\.content).joined(separator: "\n")
    }

    /// The chapters before a chapter are the ones the prompt numbers below it, however the
    /// writer numbered (or did not number) them.
    @Test func theChaptersBeforeOneAreThoseThePromptNumbersBelowIt() {
        let context = StructuredContext(previousChapters: [
            Chapter(number: 3, content: "third"), Chapter(content: "unnumbered"), Chapter(number: 2, content: "second"),
            Chapter(number: 2, content: "second again"),
        ])
        #expect(context.numberedChapters.map(\.number) == [1, 2, 2, 3])
        #expect(context.numberedChapters.map(\.chapter.content) == ["unnumbered", "second", "second again", "third"])
        #expect(context.chapters(before: 2).previousChapters?.map(\.content) == ["unnumbered"])
        #expect(context.chapters(before: 3).previousChapters?.map(\.content) == ["unnumbered", "second", "second again"])
        #expect(context.chapters(before: 1).previousChapters == [])
        #expect(StructuredContext().chapters(before: 2).previousChapters == nil)
        let prompt = StoryPrompt(RaterFeedbackRequest(raterPrompt: "Judge.", plotPoint: "A door.", structuredContext: context))
        #expect(prompt.chapters.map(\.label) == ["chapter 1", "chapter 2", "chapter 2", "chapter 3"])
    }

    @Test func storyComesFirstAndTheRaterLast() async throws {
        let text = Self.text(of: Self.request())
        // What a writer changes least first: a new chapter or an edited summary leaves the chapters
        // before it as a prefix the model already read.
        let marks = ["PREFIX-MARK", "WORLD-MARK", "CHARACTER-MARK", "CHAPTER-1-MARK", "CHAPTER-3-MARK", "SUMMARY-MARK",
                     "OUTLINE-MARK", "hidden door", "You judge pacing.", "\"opinion\"", "SUFFIX-MARK"]
        let positions = try marks.map { mark in try #require(text.range(of: mark)).lowerBound }
        #expect(positions == positions.sorted())
        #expect(text.contains("- Fears: the dark"))
        #expect(text.contains("# Plot outline (draft)"))
    }

    @Test func ratersOfTheSameStoryShareAllButTheirOwnPart() async throws {
        let model = ScriptedModel(script: .wellFormed())
        let assembler = PromptAssembler(answerReserve: 100)
        let first = try await assembler.assemble(Self.request(rater: "You judge pacing."), for: model).prompt.tokens ?? []
        let second = try await assembler.assemble(Self.request(rater: "You are a dialogue coach."), for: model).prompt.tokens ?? []
        let shared = zip(first, second).prefix { $0 == $1 }.count

        let rendered = try model.renderChat(StoryPrompt(Self.request()).messages())
        let raterSection = try #require(rendered.range(of: "# Your role as critic"))
        let storyTokens = model.words(String(rendered[..<raterSection.lowerBound])).count
        #expect(shared >= storyTokens)
        #expect(shared < first.count)
    }

    @Test func chaptersAreSortedOldestFirst() {
        var request = Self.request()
        request.structuredContext?.previousChapters?.reverse()
        let text = Self.text(of: request)
        let first = text.range(of: "CHAPTER-1-MARK")?.lowerBound
        let third = text.range(of: "CHAPTER-3-MARK")?.lowerBound
        #expect(first != nil && third != nil && first! < third!)
    }

    @Test func everythingFitsWhenThereIsRoom() async throws {
        let assembled = try await PromptAssembler(answerReserve: 100).assemble(Self.request(), for: ScriptedModel(script: .wellFormed()))
        #expect(assembled.omittedSections.isEmpty)
    }

    @Test func oldestChaptersGoFirstThenSummaryAndWorldbuilding() async throws {
        let request = Self.request(chapters: 3, chapterWords: 200)
        let model = ScriptedModel(script: .wellFormed(), contextLength: 1000)
        let full = model.words(try model.renderChat(StoryPrompt(request).messages())).count
        #expect(full > 600)

        // Room for everything but about two chapters.
        let twoChapters = try await PromptAssembler(answerReserve: 1000 - (full - 380)).assemble(request, for: model)
        #expect(twoChapters.omittedSections == ["chapter 1", "chapter 2"])
        #expect(twoChapters.prompt.tokenCount <= full - 380)

        // Room only for what must stay.
        // (The instructions still name the story's characters and places.)
        var essentials = StoryPrompt(request)
        essentials.dropLeastImportantSections(essentials.droppableSections.count)
        let essentialTokens = model.words(try model.renderChat(essentials.messages())).count
        let minimal = try await PromptAssembler(answerReserve: 1000 - essentialTokens).assemble(request, for: model)
        #expect(minimal.prompt.tokenCount == essentialTokens)
        #expect(minimal.omittedSections == ["chapter 1", "chapter 2", "chapter 3", "story summary", "worldbuilding", "characters"])
        let kept = try #require(StoryPrompt(request).messages().last?.content)
        #expect(kept.contains("OUTLINE-MARK"))
    }

    /// A novel of many chapters is trimmed in one pass: each chapter's tokens counted once, the
    /// whole prompt measured again only when the count says it fits.
    @Test func manyChaptersAreTrimmedCountingEachOnce() async throws {
        let request = Self.request(chapters: StructuredContext.mostChapters, chapterWords: 30)
        let model = ScriptedModel(script: .wellFormed(), contextLength: 2000)
        let assembled = try await PromptAssembler(answerReserve: 500).assemble(request, for: model)
        #expect(assembled.prompt.tokenCount <= 1500)
        let omitted = assembled.omittedSections
        #expect(omitted.count > 900 && omitted == (1...omitted.count).map { "chapter \($0)" })
        #expect(model.observed.tokenCounts <= StructuredContext.mostChapters)
        #expect(model.observed.preparations <= 3)
    }

    @Test func droppingSectionsTakesTheOldestChaptersThenTheLastingParts() {
        var story = StoryPrompt(Self.request(chapters: 3))
        story.dropLeastImportantSections(4)
        #expect(story.chapters.isEmpty && story.summary == nil)
        #expect(story.worldbuilding != nil && story.characters != nil)
        story.dropLeastImportantSections(9)
        #expect(story.droppableSections.isEmpty)
    }

    /// An engine that only estimates a prompt's size gets a prompt that fits even when the
    /// estimate is short by all of its stated margin.
    @Test func anEstimatedCountLeavesRoomForItsMargin() async throws {
        let request = Self.request(chapters: 3, chapterWords: 200)
        var script = ScriptedModel.Script.wellFormed()
        let exact = ScriptedModel(script: script, contextLength: 1000)
        let full = exact.words(try exact.renderChat(StoryPrompt(request).messages())).count
        let reserve = 1000 - full
        #expect(try await PromptAssembler(answerReserve: reserve).assemble(request, for: exact).omittedSections.isEmpty)

        script.countMargin = 150
        let estimating = ScriptedModel(script: script, contextLength: 1000)
        let assembled = try await PromptAssembler(answerReserve: reserve).assemble(request, for: estimating)
        #expect(assembled.omittedSections == ["chapter 1"])
        #expect(assembled.prompt.countMargin == 150)
        #expect(assembled.prompt.largestTokenCount <= full)
    }

    @Test func essentialsThatCannotFitAreAContextError() async {
        let model = ScriptedModel(script: .wellFormed(), contextLength: 100)
        await #expect(throws: OperationFailure.self) {
            try await PromptAssembler(answerReserve: 90).assemble(Self.request(), for: model)
        }
        do {
            _ = try await PromptAssembler(answerReserve: 90).assemble(Self.request(), for: model)
        } catch let error as OperationFailure {
            #expect(error.code == .contextProcessingError)
            #expect(error.message.contains("--context-size"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
