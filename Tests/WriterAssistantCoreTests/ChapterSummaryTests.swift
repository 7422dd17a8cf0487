import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// The policy of chapter summaries (which to write, when to try again, what to forget), writing
/// one, and the background writer with a scripted model.
@Suite struct ChapterSummaryTests {
    static func job(_ name: String, bytes: Int = 10) -> ChapterSummaryJob {
        ChapterSummaryJob(key: ChapterSummaryKey(digest: name), body: String(repeating: "x", count: bytes), cachePartition: nil)
    }

    @Test func aSummaryNeverWrittenIsQueuedOnceAndReadOnceWritten() {
        var ledger = ChapterSummaryLedger()
        let now = ContinuousClock.now
        #expect(ledger.status(of: Self.job("a"), now: now) == .pending)
        #expect(ledger.status(of: Self.job("a"), now: now) == .pending)
        #expect(ledger.next()?.key.digest == "a")
        #expect(ledger.next() == nil, "asked for twice, queued once")
        #expect(ledger.status(of: Self.job("a"), now: now) == .pending, "being written")
        ledger.written(ChapterSummaryKey(digest: "a"), summary: "Mara leaves.")
        #expect(ledger.status(of: Self.job("a"), now: now) == .ready("Mara leaves."))
        #expect(!ledger.hasQueuedJobs)
    }

    @Test func aFailedSummaryIsTriedAgainLaterAndLessAndLessOften() {
        var ledger = ChapterSummaryLedger()
        let start = ContinuousClock.now
        let key = ChapterSummaryKey(digest: "a")
        _ = ledger.status(of: Self.job("a"), now: start)
        _ = ledger.next()
        ledger.failed(key, now: start)
        #expect(ledger.status(of: Self.job("a"), now: start + .seconds(29)) == .failed)
        #expect(!ledger.hasQueuedJobs)
        #expect(ledger.status(of: Self.job("a"), now: start + .seconds(30)) == .pending, "due: asked for again")
        #expect(ledger.next()?.key.digest == "a")
        let second = start + .seconds(30)
        ledger.failed(key, now: second)
        #expect(ledger.status(of: Self.job("a"), now: second + .seconds(59)) == .failed, "the wait doubles")
        #expect(ledger.status(of: Self.job("a"), now: second + .seconds(60)) == .pending)
        #expect(ledger.retryDelay(afterAttempts: 30) == .seconds(3_600), "up to an hour")
    }

    @Test func theQueueIsBoundedByCountAndByBytes() {
        var ledger = ChapterSummaryLedger(limits: .init(queuedJobs: 2, queuedBytes: 100))
        let now = ContinuousClock.now
        _ = ledger.status(of: Self.job("a"), now: now)
        _ = ledger.status(of: Self.job("b"), now: now)
        #expect(ledger.status(of: Self.job("c"), now: now) == .unavailable, "not asked for: not said to be coming")
        #expect(ledger.next()?.key.digest == "a")
        #expect(ledger.next()?.key.digest == "b")
        #expect(ledger.next() == nil, "the third did not fit the queue")
        _ = ledger.status(of: Self.job("big", bytes: 101), now: now)
        #expect(ledger.next() == nil, "nor a chapter larger than the bytes allowed")
        _ = ledger.status(of: Self.job("c"), now: now)
        #expect(ledger.next()?.key.digest == "c", "asked for again by a later request")
    }

    @Test func writersAreServedInTurnEachWithinTheirShare() {
        var ledger = ChapterSummaryLedger(limits: .init(queuedJobsPerWriter: 3))
        let now = ContinuousClock.now
        func job(_ name: String, _ writer: String) -> ChapterSummaryJob {
            ChapterSummaryJob(key: ChapterSummaryKey(digest: name), body: name, cachePartition: writer)
        }
        for name in ["a1", "a2", "a3"] { #expect(ledger.status(of: job(name, "ana"), now: now) == .pending) }
        #expect(ledger.status(of: job("a4", "ana"), now: now) == .unavailable, "ana's share is full")
        #expect(ledger.status(of: job("b1", "ben"), now: now) == .pending, "ben's is not")
        var order: [String] = []
        while let next = ledger.next() { order.append(next.key.digest) }
        #expect(order == ["a1", "b1", "a2", "a3"])
    }

    @Test func theLeastRecentlyUsedSummaryIsForgotten() {
        var ledger = ChapterSummaryLedger(limits: .init(summaries: 2))
        let now = ContinuousClock.now
        for name in ["a", "b"] { ledger.written(ChapterSummaryKey(digest: name), summary: name) }
        #expect(ledger.status(of: Self.job("a"), now: now) == .ready("a"))
        ledger.written(ChapterSummaryKey(digest: "c"), summary: "c")
        #expect(ledger.summaryCount == 2)
        #expect(ledger.status(of: Self.job("a"), now: now) == .ready("a"))
        #expect(ledger.status(of: Self.job("c"), now: now) == .ready("c"))
        #expect(ledger.status(of: Self.job("b"), now: now) == .pending, "b was used least recently: forgotten and asked for")
    }

    @Test func aSummaryAbandonedAtShutdownIsWrittenWhenNextAskedFor() {
        var ledger = ChapterSummaryLedger()
        let now = ContinuousClock.now
        _ = ledger.status(of: Self.job("a"), now: now)
        _ = ledger.next()
        ledger.abandoned(ChapterSummaryKey(digest: "a"))
        #expect(!ledger.hasQueuedJobs)
        #expect(ledger.status(of: Self.job("a"), now: now) == .pending)
        #expect(ledger.next()?.key.digest == "a")
    }

    @Test func aSummaryIsCleanedOfLabelsCutAtASentenceAndRefusedWhenItLoops() throws {
        #expect(try ChapterSummarizer.cleaned("## Summary\nMara leaves the mill.", stoppedAtLimit: false) == "Mara leaves the mill.")
        #expect(try ChapterSummarizer.cleaned("Summary: Mara leaves the mill.", stoppedAtLimit: false) == "Mara leaves the mill.")
        #expect(try ChapterSummarizer.cleaned("**Summary of the chapter:**\nMara leaves the mill.", stoppedAtLimit: false) == "Mara leaves the mill.")
        #expect(try ChapterSummarizer.cleaned("Summary of events is short", stoppedAtLimit: false) == "Summary of events is short")
        #expect(try ChapterSummarizer.cleaned("Mara leaves the mill. Ari follows her to the", stoppedAtLimit: true)
            == "Mara leaves the mill.")
        #expect(try ChapterSummarizer.cleaned("Mara leaves the mill. Ari follows her to the", stoppedAtLimit: false)
            == "Mara leaves the mill. Ari follows her to the")
        #expect(throws: ChapterSummarizer.Failure.empty) { try ChapterSummarizer.cleaned("  \n# Summary\n", stoppedAtLimit: false) }
        let loop = Array(repeating: "and then the river rose again", count: 3).joined(separator: " ")
        #expect(throws: ChapterSummarizer.Failure.looping) { try ChapterSummarizer.cleaned(loop, stoppedAtLimit: true) }
        let twice = Array(repeating: "and then the river rose again", count: 2).joined(separator: " ")
        #expect(try ChapterSummarizer.cleaned(twice, stoppedAtLimit: false) == twice)
    }

    @Test func aChapterLongerThanTheWindowIsCutInItsMiddle() async throws {
        let model = ScriptedModel(script: .init(answer: ["Mara leaves."]), contextLength: 400)
        let body = "OPENING " + Array(repeating: "word", count: 2_000).joined(separator: " ") + " CLOSING"
        let summarizer = ChapterSummarizer()
        let prompt = try await summarizer.prompt(for: body, with: model, reserving: summarizer.sampling(afterFailedTries: 0).maxTokens)
        #expect(prompt.largestTokenCount <= 400 - summarizer.sampling(afterFailedTries: 0).maxTokens)
        let text = prompt.messages.map(\.content).joined()
        #expect(text.contains("OPENING") && text.contains("CLOSING") && text.contains("[…]"))
        let tiny = ScriptedModel(script: .init(answer: ["Mara leaves."]), contextLength: 200)
        await #expect(throws: ChapterSummarizer.Failure.chapterTooLong) {
            try await summarizer.prompt(for: body, with: tiny, reserving: summarizer.sampling(afterFailedTries: 0).maxTokens)
        }
    }

    static func chapter(_ number: Int, words: Int = 200) -> StoryPrompt.Section {
        var section = StoryPrompt.Section(
            label: "chapter \(number)", text: "# Chapter \(number)\nCHAPTER-\(number) " + PromptAssemblerTests.words(words),
            kind: .chapter, chapter: number)
        section.chapterPosition = number - 1
        return section
    }

    /// The background writer, with a scripted model: a summary asked for is written once, read by
    /// later requests of the same writer, and never by another writer's.
    @Test func summariesAreWrittenInTheBackgroundForTheWriterWhoseChapterItIs() async throws {
        let model = ScriptedModel(script: .init(answer: ["Mara ", "leaves ", "the ", "mill."]))
        let summaries = ChapterSummaries(host: ModelHost(.ready(model)))
        let writer = summaries.reader(cachePartition: "ana", model: "scripted-model")
        let chapters = [Self.chapter(1), Self.chapter(2, words: 20)]
        #expect(try await writer.summaries(of: chapters) == [.pending, nil], "a short chapter is not worth a summary")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await summaries.run() }
            let deadline = ContinuousClock.now + .seconds(10)
            while try await writer.summaries(of: chapters) != [.ready("Mara leaves the mill."), nil], .now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            group.cancelAll()
        }
        #expect(try await writer.summaries(of: chapters) == [.ready("Mara leaves the mill."), nil])
        #expect(model.observed.started == 1)
        let other = summaries.reader(cachePartition: "ben", model: "scripted-model")
        #expect(try await other.summaries(of: chapters) == [.pending, nil], "another writer's summary is their own")
    }

    @Test func aSummaryThatFailsIsSaidFailed() async throws {
        let model = ScriptedModel(script: .init(answer: ["word"], failure: .peerFailed(reason: "broken"), failAfterPieces: 0))
        let summaries = ChapterSummaries(host: ModelHost(.ready(model)))
        let writer = summaries.reader(cachePartition: nil, model: "scripted-model")
        #expect(try await writer.summaries(of: [Self.chapter(1)]) == [.pending])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await summaries.run() }
            let deadline = ContinuousClock.now + .seconds(10)
            while try await writer.summaries(of: [Self.chapter(1)]) != [.failed], .now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            group.cancelAll()
        }
        #expect(try await writer.summaries(of: [Self.chapter(1)]) == [.failed])
    }
}

/// A summary source with summaries at hand, for tests of how a prompt uses them.
struct FixedSummaries: ChapterSummarySource {
    /// By chapter number.
    var ready: [Int: String]
    var pending: Set<Int> = []
    var failed: Set<Int> = []
    var expectedTokens = ChapterSummarizer().expectedTokens

    func summaries(of chapters: [StoryPrompt.Section]) async throws -> [ChapterSummaryStatus?] {
        chapters.map { chapter in
            guard let number = chapter.chapter else { return nil }
            if let summary = ready[number] { return .ready(summary) }
            if pending.contains(number) { return .pending }
            if failed.contains(number) { return .failed }
            return nil
        }
    }
}

/// How a prompt that does not fit reads the summaries of the chapters it leaves out.
@Suite struct SummarisedPromptTests {
    static let model = ScriptedModel(script: .wellFormed(), contextLength: 1_200)
    static let request = PromptAssemblerTests.request(chapters: 6, chapterWords: 200)
    static func summary(_ number: Int) -> String { "SUMMARY-\(number) " + PromptAssemblerTests.words(20) }
    static let everySummary = FixedSummaries(ready: Dictionary(uniqueKeysWithValues: (1...6).map { ($0, summary($0)) }))

    @Test func summariesStandInTheirChaptersPlaceBeforeTheChaptersReadWhole() async throws {
        let assembler = PromptAssembler(answerReserve: 100, passageShare: 0)
        let assembled = try await assembler.assemble(StoryPrompt(Self.request), for: Self.model, summaries: Self.everySummary)
        let budget = assembler.budget(for: Self.model)
        #expect(assembled.prompt.tokenCount <= budget)
        let left = assembled.omittedSections.compactMap { Int($0.dropFirst("chapter ".count)) }
        let summarised = try #require(assembled.summarisedChapters)
        // As many of the oldest as the room holds, reckoned at a summary's expected size.
        let room = Int(Double(budget) * PromptAssembler.defaultSummaryShare) / ChapterSummarizer().expectedTokens
        #expect(summarised == Array(1...min(room, left.count)), "the oldest chapters left out, as many as fit")
        #expect(left == Array(1...left.count))
        let text = assembled.story.messages()[1].content
        let marks = ["CHARACTER-MARK"] + summarised.map { "# Chapter \($0): Title \($0) (summary)\nSUMMARY-\($0)" }
            + ["CHAPTER-\(left.count + 1)-MARK", "SUMMARY-MARK", "OUTLINE-MARK"]
        let positions = try marks.map { mark in try #require(text.range(of: mark), "\(mark)").lowerBound }
        #expect(positions == positions.sorted(), "oldest first, in the chapters' place")
        #expect(assembled.pendingSummaries.isEmpty && assembled.failedSummaries.isEmpty)

        // Without summaries, the same story keeps more chapters whole: room was made for them.
        let plain = try await assembler.assemble(StoryPrompt(Self.request), for: Self.model)
        #expect(plain.omittedSections.count < assembled.omittedSections.count)
        #expect(plain.summarisedChapters == nil)
    }

    @Test func summariesAreReadOnlyOnceEveryChapterThatMustGoHasOne() async throws {
        let assembler = PromptAssembler(answerReserve: 100, passageShare: 0)
        let plain = try await assembler.assemble(StoryPrompt(Self.request), for: Self.model)
        let mustGo = plain.omittedSections.count
        #expect(mustGo >= 2 && mustGo < 5)
        // Summaries written of chapters that need not go, and of one that must; the other that
        // must is pending and the rest failed.
        let later = Set((mustGo + 1)...6)
        let source = FixedSummaries(
            ready: Dictionary(uniqueKeysWithValues: ([2] + later).map { ($0, Self.summary($0)) }), pending: [1],
            failed: Set(3..<(mustGo + 1)))
        let assembled = try await assembler.assemble(StoryPrompt(Self.request), for: Self.model, summaries: source)
        #expect(assembled.omittedSections == plain.omittedSections, "nothing more left out")
        #expect(assembled.prompt.tokenCount == plain.prompt.tokenCount)
        #expect(assembled.summarisedChapters == nil, "not chapter 2's alone, while chapter 1's is coming")
        #expect(assembled.pendingSummaries == [1])
        #expect(assembled.failedSummaries == Array(3..<(mustGo + 1)), "only chapters left out are named")
    }

    @Test func summariesStillComingLeaveOutNothingMore() async throws {
        // Passages asked for too, but none of the chapters left out bears on the request.
        let assembler = PromptAssembler(answerReserve: 100, passageShare: 0.2)
        let plain = try await assembler.assemble(StoryPrompt(Self.request), for: Self.model)
        let assembled = try await assembler.assemble(
            StoryPrompt(Self.request), for: Self.model, summaries: FixedSummaries(ready: [:], pending: Set(1...6)))
        #expect(assembled.omittedSections == plain.omittedSections)
        #expect(assembled.quotedPassages.isEmpty && assembled.summarisedChapters == nil)
    }

    @Test func summariesTakeNoMoreThanTheirShareOldestFirst() async throws {
        let long = FixedSummaries(ready: Dictionary(uniqueKeysWithValues: (1...6).map {
            ($0, "SUMMARY-\($0) " + PromptAssemblerTests.words(90))
        }))
        let assembler = PromptAssembler(answerReserve: 100, passageShare: 0, summaryShare: 0.2)
        let assembled = try await assembler.assemble(StoryPrompt(Self.request), for: Self.model, summaries: long)
        let summarised = try #require(assembled.summarisedChapters)
        let taken = assembled.story.chapterSummaries.map { Self.model.words($0.text).count }.reduce(0, +)
        #expect(taken <= Int(0.2 * Double(assembler.budget(for: Self.model))))
        #expect(summarised == Array(1...summarised.count), "the oldest first")
        #expect(assembled.omittedSections.count > summarised.count, "the rest are left out")
        #expect(assembled.prompt.tokenCount <= assembler.budget(for: Self.model))
    }

    @Test func thePreviewShowsEachSummaryInItsChaptersPlace() async throws {
        let assembler = PromptAssembler(answerReserve: 100, passageShare: 0)
        let story = StoryPrompt(Self.request)
        let assembled = try await assembler.assemble(story, for: Self.model, summaries: Self.everySummary)
        let layout = OperationPipeline.layout(of: story, as: assembled.story)
        let chapters = layout.filter { $0.0.kind == .chapter }.map { "\($0.0.chapter ?? 0) \($0.1.rawValue)" }
        let summarised = try #require(assembled.summarisedChapters)
        let left = assembled.omittedSections.count
        #expect(chapters == summarised.map { "\($0) summary" } + ((summarised.count + 1)..<(left + 1)).map { "\($0) omitted" }
            + ((left + 1)...6).map { "\($0) whole" })
    }
}
