import Dispatch
import Synchronization
import WriterAssistantLLM

/// Hands generations from any thread to the engine thread, first come first served.
final class JobQueue: Sendable {
    private struct State {
        var jobs: [GenerationJob] = []
        /// Jobs handed to the engine thread that have not ended yet.
        var busy = 0
        /// Prompts being tokenized for jobs not submitted yet: they will want a place, so they
        /// hold one, and a flood of huge stories is refused before it is tokenized.
        var preparing = 0
        var closed = false

        /// Places for jobs that would not start at once.
        func hasRoom(limit: Int, slots: Int, besides waiting: Int) -> Bool {
            waiting < limit + max(0, slots - busy)
        }
    }

    private let state = Mutex(State())
    /// Signalled once per submitted job and once on close, so the engine thread sleeps while idle.
    private let available = DispatchSemaphore(value: 0)
    private let limit: Int
    /// Jobs the engine thread runs at once: as many as are free take a job without its waiting,
    /// so they do not count against the limit (a limit of 0 still serves idle slots).
    private let slots: Int

    init(limit: Int, slots: Int) {
        self.limit = limit
        self.slots = slots
    }

    func submit(_ job: GenerationJob) throws(LanguageModelError) {
        try state.withLock { state throws(LanguageModelError) in
            if state.closed { throw .engineStopped }
            guard state.hasRoom(limit: limit, slots: slots, besides: state.jobs.count) else { throw .queueFull(limit: limit) }
            state.jobs.append(job)
        }
        available.signal()
    }

    /// Holds a place while a prompt is prepared; fails when neither a slot nor a waiting place is
    /// left for it. The place is held until it is released.
    func beginPreparing() throws(LanguageModelError) -> PreparationPlace {
        try state.withLock { state throws(LanguageModelError) in
            if state.closed { throw .engineStopped }
            guard state.hasRoom(limit: limit, slots: slots, besides: state.jobs.count + state.preparing) else {
                throw .queueFull(limit: limit)
            }
            state.preparing += 1
        }
        return PreparationPlace { [weak self] in self?.state.withLock { $0.preparing -= 1 } }
    }

    var preparingCount: Int { state.withLock { $0.preparing } }

    /// Blocks the calling (engine) thread until a job arrives; nil once the queue is closed.
    func next() -> GenerationJob? {
        enum Outcome { case job(GenerationJob), closed, empty }
        while true {
            available.wait()
            // Signals outlive jobs taken by `nextIfAvailable`, so a wake-up may find nothing.
            let outcome: Outcome = state.withLock { state in
                if state.closed { return .closed }
                return state.jobs.isEmpty ? .empty : .job(take(&state))
            }
            switch outcome {
            case .job(let job): return job
            case .closed: return nil
            case .empty: continue
            }
        }
    }

    /// The oldest waiting job without blocking, for an engine thread that has other work.
    func nextIfAvailable() -> GenerationJob? {
        state.withLock { state in
            state.closed || state.jobs.isEmpty ? nil : take(&state)
        }
    }

    /// Hands the oldest job to the engine thread, counted as busy until it ends.
    private func take(_ state: inout State) -> GenerationJob {
        state.busy += 1
        let job = state.jobs.removeFirst()
        job.whenEnded { [weak self] in self?.state.withLock { $0.busy -= 1 } }
        return job
    }

    /// Takes a job out of the queue if it is still waiting; true when it was.
    func withdraw(_ job: GenerationJob) -> Bool {
        state.withLock { state in
            guard let index = state.jobs.firstIndex(where: { $0 === job }) else { return false }
            state.jobs.remove(at: index)
            return true
        }
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    var count: Int { state.withLock { $0.jobs.count } }

    /// Stops accepting jobs and returns the ones that never started.
    func close() -> [GenerationJob] {
        let abandoned = state.withLock { state in
            state.closed = true
            defer { state.jobs.removeAll() }
            return state.jobs
        }
        available.signal()
        return abandoned
    }
}

/// A place in the queue held by a prompt being prepared. Releasing it more than once (when its
/// caller leaves, and again when the work returns) gives it back once.
final class PreparationPlace: Sendable {
    private let released = Atomic(false)
    private let giveBack: @Sendable () -> Void

    init(giveBack: @escaping @Sendable () -> Void) {
        self.giveBack = giveBack
    }

    func release() {
        if !released.exchange(true, ordering: .acquiringAndReleasing) { giveBack() }
    }

    deinit {
        release()
    }
}
