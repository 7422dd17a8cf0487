/// Names one chapter's summary: a digest of whose cache it belongs to, the model that writes it
/// and the chapter's text. A chapter edited is a new key; a chapter only renumbered or retitled
/// keeps its summary.
package struct ChapterSummaryKey: Hashable, Sendable {
    package let digest: String

    package init(digest: String) {
        self.digest = digest
    }
}

/// A summary to write: the chapter's text, whose cache the model may use to read it, and where
/// the summary is kept beyond the process (a stored story's library).
package struct ChapterSummaryJob: Sendable {
    package var key: ChapterSummaryKey
    package var body: String
    package var cachePartition: String?
    package var archive: (any ChapterSummaryArchive)?
    /// Tries that failed before this one.
    package var failedTries = 0

    package init(key: ChapterSummaryKey, body: String, cachePartition: String?, archive: (any ChapterSummaryArchive)? = nil) {
        self.key = key
        self.body = body
        self.cachePartition = cachePartition
        self.archive = archive
    }
}

/// Where a stored story's summaries are kept beyond the process (the library), bound to one
/// story of one writer: summaries written once are read again after a restart, and by every
/// replica that shares the library.
package protocol ChapterSummaryArchive: Sendable {
    /// Of `keys`, the summaries kept.
    func summaries(for keys: [ChapterSummaryKey]) async throws -> [ChapterSummaryKey: String]
    func keep(_ summary: String, for key: ChapterSummaryKey) async throws
}

/// What a prompt can have of a chapter's summary now.
package enum ChapterSummaryStatus: Sendable, Equatable {
    case ready(String)
    /// Being written, or waiting its turn.
    case pending
    /// The last try failed; another is made after a while.
    case failed
    /// Not asked for now: the writer's queue of summaries is full. A later request asks again.
    case unavailable
}

/// What is known of every chapter's summary and which to write next: the policy of
/// `ChapterSummaries`, apart from the model, the clock and the tasks.
///
/// Everything it holds is bounded: summaries kept (the least recently used evicted), summaries
/// waiting (by count and by the bytes of their chapters, each writer's apart) and failures
/// remembered. Writers are served in turn, so that one writer's novel does not hold up another's.
struct ChapterSummaryLedger: Sendable {
    struct Limits: Sendable {
        var summaries = 4_096
        var queuedJobs = 256
        /// Summaries one writer may have waiting.
        var queuedJobsPerWriter = 64
        /// The chapters' text held for summaries not yet written.
        var queuedBytes = 32 << 20
        var failures = 4_096
        /// The wait before a failed summary is tried again, doubled for each further failure.
        var firstRetryDelay = Duration.seconds(30)
        var longestRetryDelay = Duration.seconds(3_600)
    }

    private enum State {
        case ready(String, lastUsed: UInt64)
        case queued(attempts: Int)
        case writing(attempts: Int)
        case failed(retryAt: ContinuousClock.Instant, attempts: Int)
    }

    let limits: Limits
    private var states: [ChapterSummaryKey: State] = [:]
    /// Each writer's summaries waiting, oldest first, by cache partition ("" for none).
    private var queues: [String: [ChapterSummaryJob]] = [:]
    /// The writers with summaries waiting, in the order they are served.
    private var turns: [String] = []
    private var queuedCount = 0
    private var queuedBytes = 0
    private var readyCount = 0
    private var failedCount = 0
    /// A clock of uses, for evicting the least recently used summary.
    private var uses: UInt64 = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The summary of `job`'s chapter as a prompt can have it now. A summary never written, or
    /// whose retry is due, is queued for writing (when there is room in the queue; otherwise it
    /// is asked for again by a later request).
    mutating func status(of job: ChapterSummaryJob, now: ContinuousClock.Instant) -> ChapterSummaryStatus {
        switch states[job.key] {
        case .ready(let summary, _):
            uses += 1
            states[job.key] = .ready(summary, lastUsed: uses)
            return .ready(summary)
        case .queued, .writing:
            return .pending
        case .failed(let retryAt, let attempts):
            guard now >= retryAt else { return .failed }
            return enqueue(job, attempts: attempts) ? .pending : .failed
        case nil:
            return enqueue(job, attempts: 0) ? .pending : .unavailable
        }
    }

    private mutating func enqueue(_ job: ChapterSummaryJob, attempts: Int) -> Bool {
        let bytes = job.body.utf8.count
        let writer = job.cachePartition ?? ""
        guard queuedCount < limits.queuedJobs, queuedBytes + bytes <= limits.queuedBytes,
              queues[writer, default: []].count < limits.queuedJobsPerWriter
        else { return false }
        if case .failed = states[job.key] { failedCount -= 1 }
        states[job.key] = .queued(attempts: attempts)
        if queues[writer, default: []].isEmpty { turns.append(writer) }
        queues[writer, default: []].append(job)
        queuedCount += 1
        queuedBytes += bytes
        return true
    }

    var hasQueuedJobs: Bool { queuedCount > 0 }

    /// Whether anything is known of `key`'s summary: written, asked for or failed.
    func knows(_ key: ChapterSummaryKey) -> Bool { states[key] != nil }

    /// The oldest summary waiting of the writer whose turn it is, now being written.
    mutating func next() -> ChapterSummaryJob? {
        guard !turns.isEmpty else { return nil }
        let writer = turns.removeFirst()
        guard var waiting = queues[writer], !waiting.isEmpty else { return next() }
        var job = waiting.removeFirst()
        queues[writer] = waiting.isEmpty ? nil : waiting
        if !waiting.isEmpty { turns.append(writer) }
        queuedCount -= 1
        queuedBytes -= job.body.utf8.count
        if case .queued(let attempts) = states[job.key] {
            states[job.key] = .writing(attempts: attempts)
            job.failedTries = attempts
        }
        return job
    }

    mutating func written(_ key: ChapterSummaryKey, summary: String) {
        uses += 1
        if case .failed = states[key] { failedCount -= 1 }
        if case .ready = states[key] {} else { readyCount += 1 }
        states[key] = .ready(summary, lastUsed: uses)
        if readyCount > limits.summaries { evictLeastRecentlyUsed() }
    }

    /// Records a failed try: the summary is tried again after a delay that doubles with each
    /// failure in a row (or after the longest delay, for a failure that would only repeat).
    mutating func failed(_ key: ChapterSummaryKey, now: ContinuousClock.Instant, lasting: Bool = false) {
        var attempts = 1
        switch states[key] {
        case .writing(let earlier), .queued(let earlier): attempts = earlier + 1
        case .failed(_, let earlier): attempts = earlier + 1; failedCount -= 1
        case .ready: readyCount -= 1
        case nil: break
        }
        let delay = lasting ? limits.longestRetryDelay : retryDelay(afterAttempts: attempts)
        states[key] = .failed(retryAt: now + delay, attempts: attempts)
        failedCount += 1
        if failedCount > limits.failures { forgetOldestFailure() }
    }

    /// A summary that was being written when writing stopped (a shutdown, a model busy or not
    /// ready) goes back to never written: a later request asks for it again.
    mutating func abandoned(_ key: ChapterSummaryKey) {
        if case .writing = states[key] { states[key] = nil }
    }

    func retryDelay(afterAttempts attempts: Int) -> Duration {
        var delay = limits.firstRetryDelay
        for _ in 1..<max(attempts, 1) where delay < limits.longestRetryDelay { delay *= 2 }
        return min(delay, limits.longestRetryDelay)
    }

    private mutating func evictLeastRecentlyUsed() {
        var oldest: (key: ChapterSummaryKey, use: UInt64)?
        for (key, state) in states {
            if case .ready(_, let lastUsed) = state, lastUsed < oldest?.use ?? .max { oldest = (key, lastUsed) }
        }
        if let oldest {
            states[oldest.key] = nil
            readyCount -= 1
        }
    }

    /// Forgetting a failure only means the summary is tried again sooner.
    private mutating func forgetOldestFailure() {
        var oldest: (key: ChapterSummaryKey, retryAt: ContinuousClock.Instant)?
        for (key, state) in states {
            if case .failed(let retryAt, _) = state, oldest.map({ retryAt < $0.retryAt }) ?? true { oldest = (key, retryAt) }
        }
        if let oldest {
            states[oldest.key] = nil
            failedCount -= 1
        }
    }

    /// For tests: how many summaries are kept.
    var summaryCount: Int { readyCount }
}
