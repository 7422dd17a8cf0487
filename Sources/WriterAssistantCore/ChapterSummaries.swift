import Crypto
package import Logging
import NIOPosix
import WriterAssistantAPI
import WriterAssistantLLM

/// The summaries of chapters that no longer fit a prompt whole, written by the model in the
/// background, one at a time, and kept for every later request on the same chapter text.
///
/// A request never waits for a summary: it reads those already written and asks for the rest,
/// which later requests then find. A summary that fails is tried again after a while; until then
/// its chapter is left out, as it would be without summaries. Each writer's summaries are their
/// own (the cache partition is part of the key), as their cached prompts are.
package actor ChapterSummaries {
    private var ledger: ChapterSummaryLedger
    private let host: ModelHost
    nonisolated let summarizer: ChapterSummarizer
    private let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    /// Stories saved, whose prompts' summaries are to be asked for once the writer pauses: by
    /// story, the newest save's plan and when it is due.
    private var anticipations: [String: (due: ContinuousClock.Instant, plan: @Sendable () async -> Void)] = [:]
    private let anticipationQuiet: Duration

    package init(host: ModelHost, summarizer: ChapterSummarizer = ChapterSummarizer(), logger: Logger = OperationPipeline.silentLogger) {
        self.init(host: host, summarizer: summarizer, limits: ChapterSummaryLedger.Limits(), logger: logger)
    }

    init(
        host: ModelHost, summarizer: ChapterSummarizer, limits: ChapterSummaryLedger.Limits,
        anticipationQuiet: Duration = .seconds(5), logger: Logger
    ) {
        self.host = host
        self.summarizer = summarizer
        self.logger = logger
        self.anticipationQuiet = anticipationQuiet
        ledger = ChapterSummaryLedger(limits: limits)
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    private var running = false

    /// Writes the summaries asked for, one at a time and only while the model has nothing else to
    /// do, and carries out the plans of stories saved, until the calling task is cancelled. One
    /// task runs it; a second call returns at once.
    package func run() async {
        guard !running else { return }
        running = true
        defer { running = false }
        var wakeups = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            if ledger.hasQueuedJobs, !modelIsBusy, let job = ledger.next() {
                await write(job)
            } else if ledger.hasQueuedJobs {
                // Writers come first: a summary waits until their answers are written.
                try? await Task.sleep(for: Self.idleCheck)
            } else if let plan = dueAnticipation() {
                await plan()
            } else if anticipations.isEmpty {
                guard await wakeups.next(isolation: #isolation) != nil else { return }
            } else {
                // A story saved waits for its writer to pause.
                try? await Task.sleep(for: Self.idleCheck)
            }
        }
    }

    static let idleCheck = Duration.milliseconds(250)

    /// Whether the model is busy with writers' work (or cannot work at all): a summary waits.
    private var modelIsBusy: Bool {
        guard case .ready(let model) = host.status else { return true }
        guard let load = model.load else { return false }
        return load.running + load.waiting + load.preparing > 0
    }

    /// Asks, once the writer pauses, for the summaries a saved story's prompts will want: `plan`
    /// assembles such a prompt, and its reading of summaries asks for those missing. A newer save
    /// of the story replaces the plan and restarts the wait.
    package func anticipate(story: String, _ plan: @escaping @Sendable () async -> Void) {
        anticipations[story] = (ContinuousClock.now + anticipationQuiet, plan)
        if anticipations.count > Self.mostAnticipations,
           let oldest = anticipations.min(by: { $0.value.due < $1.value.due })?.key {
            anticipations[oldest] = nil
        }
        wake.yield()
    }

    /// Stories saved waiting at once; the writers who saved longest ago wait no more.
    static let mostAnticipations = 64

    private func dueAnticipation() -> (@Sendable () async -> Void)? {
        let now = ContinuousClock.now
        guard let (story, next) = anticipations.min(by: { $0.value.due < $1.value.due }), next.due <= now else { return nil }
        anticipations[story] = nil
        return next.plan
    }

    private func write(_ job: ChapterSummaryJob) async {
        let started = ContinuousClock.now
        do {
            let model = try host.readyModel()
            let summary = try await summarizer.summary(
                of: job.body, cachePartition: job.cachePartition, afterFailedTries: job.failedTries, with: model)
            logger.debug("Chapter summarised", metadata: [
                "seconds": "\((ContinuousClock.now - started).inSeconds)", "words": "\(summary.split(separator: " ").count)",
            ])
            // Kept in the library before it is read, so that a summary a prompt has read is one a
            // server started later finds.
            if let archive = job.archive {
                do {
                    try await archive.keep(summary, for: job.key)
                } catch {
                    // Kept in memory all the same; only a restart loses it.
                    logger.warning("A chapter's summary could not be kept in the library", metadata: ["error": "\(error)"])
                }
            }
            ledger.written(job.key, summary: summary)
        } catch {
            if Task.isCancelled || error is CancellationError {
                ledger.abandoned(job.key)
            } else if Self.isPassing(error) {
                // Not the summary's fault: asked for again by a later request, once the model can.
                ledger.abandoned(job.key)
                try? await Task.sleep(for: .seconds(1))
            } else {
                let lasting = (error as? ChapterSummarizer.Failure) == .chapterTooLong
                ledger.failed(job.key, now: .now, lasting: lasting)
                logger.notice("A chapter could not be summarised; it is tried again later", metadata: ["reason": "\(error)"])
            }
        }
    }

    /// A failure of the moment: the model busy, stopping or not ready.
    private static func isPassing(_ error: any Error) -> Bool {
        switch error {
        case is OperationFailure: true
        case let error as LanguageModelError:
            switch error {
            case .queueFull, .peerBusy, .peerUnavailable, .engineStopped: true
            default: false
            }
        default: false
        }
    }

    /// What is known of each job's summary; those never written, or due to be tried again, are
    /// asked for. Summaries unknown here are looked for in `archive` first.
    func statuses(of jobs: [ChapterSummaryJob], archive: (any ChapterSummaryArchive)?) async -> [ChapterSummaryStatus] {
        let unknown = jobs.map(\.key).filter { !ledger.knows($0) }
        if let archive, !unknown.isEmpty {
            do {
                for (key, summary) in try await archive.summaries(for: unknown) { ledger.written(key, summary: summary) }
            } catch {
                // Written again if the library cannot be read: a summary costs time, not an answer.
                logger.warning("The library's chapter summaries could not be read", metadata: ["error": "\(error)"])
            }
        }
        let now = ContinuousClock.now
        let statuses = jobs.map { ledger.status(of: $0, now: now) }
        if ledger.hasQueuedJobs { wake.yield() }
        return statuses
    }

    /// The summaries as one writer's requests to `model` see them; `archive` keeps those of a
    /// stored story.
    package nonisolated func reader(
        cachePartition: String?, model: String, archive: (any ChapterSummaryArchive)? = nil
    ) -> Reader {
        Reader(summaries: self, cachePartition: cachePartition, model: model, archive: archive)
    }

    package struct Reader: ChapterSummarySource {
        let summaries: ChapterSummaries
        let cachePartition: String?
        let model: String
        let archive: (any ChapterSummaryArchive)?

        package var expectedTokens: Int { summaries.summarizer.expectedTokens }

        package func summaries(of chapters: [StoryPrompt.Section]) async throws -> [ChapterSummaryStatus?] {
            guard !chapters.isEmpty else { return [] }
            // Reading, counting and hashing a manuscript's chapters is CPU work: off the
            // cooperative pool.
            let (partition, model, archive) = (cachePartition, model, archive)
            let jobs: [ChapterSummaryJob?] = try await NIOThreadPool.singleton.runIfActive {
                chapters.map { chapter in
                    let body = chapter.body
                    guard ChapterSummaries.isWorthSummarising(body) else { return nil }
                    return ChapterSummaryJob(
                        key: ChapterSummaries.key(of: body, cachePartition: partition, model: model), body: body,
                        cachePartition: partition, archive: archive)
                }
            }
            var found = await summaries.statuses(of: jobs.compactMap { $0 }, archive: archive).makeIterator()
            return jobs.map { job in job == nil ? nil : found.next() }
        }
    }

    /// Whether `body` has the words to be worth a summary, counted no further than needed.
    static func isWorthSummarising(_ body: String) -> Bool {
        let enough = ChapterSummarizer.shortestChapterWords
        return StoryDocument.words(in: body, upTo: enough) >= enough
    }

    static func key(of body: String, cachePartition: String?, model: String) -> ChapterSummaryKey {
        var hash = SHA256()
        // Each part is preceded by its length, so that no two different triples read the same.
        for part in [cachePartition ?? "", model, body] {
            hash.update(data: Array("\(part.utf8.count):".utf8))
            hash.update(data: Array(part.utf8))
        }
        return ChapterSummaryKey(digest: hash.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined())
    }
}

/// Where a prompt finds the summaries of the chapters it leaves out.
package protocol ChapterSummarySource: Sendable {
    /// What is known of each chapter's summary, in their order; nil for a chapter too short to be
    /// worth one. Summaries not yet written are asked for.
    func summaries(of chapters: [StoryPrompt.Section]) async throws -> [ChapterSummaryStatus?]
    /// About what one summary takes with its heading, for reckoning how many fit a budget.
    var expectedTokens: Int { get }
}
