import Dispatch
import Synchronization
import WriterAssistantLLM

/// Hands generations from any thread to the engine thread, first come first served.
final class JobQueue: Sendable {
    private struct State {
        var jobs: [GenerationJob] = []
        var closed = false
    }

    private let state = Mutex(State())
    /// Signalled once per submitted job and once on close, so the engine thread sleeps while idle.
    private let available = DispatchSemaphore(value: 0)
    private let limit: Int
    /// Slots the engine thread has free: jobs it will take at once do not wait, so they do not
    /// count against the limit (a limit of 0 still serves idle slots).
    private let freeSlots: @Sendable () -> Int

    init(limit: Int, freeSlots: @escaping @Sendable () -> Int = { 0 }) {
        self.limit = limit
        self.freeSlots = freeSlots
    }

    func submit(_ job: GenerationJob) throws(LanguageModelError) {
        let free = max(0, freeSlots())
        try state.withLock { state throws(LanguageModelError) in
            if state.closed { throw .engineStopped }
            if state.jobs.count >= limit + free { throw .queueFull(limit: limit) }
            state.jobs.append(job)
        }
        available.signal()
    }

    /// Blocks the calling (engine) thread until a job arrives; nil once the queue is closed.
    func next() -> GenerationJob? {
        enum Outcome { case job(GenerationJob), closed, empty }
        while true {
            available.wait()
            // Signals outlive jobs taken by `nextIfAvailable`, so a wake-up may find nothing.
            let outcome: Outcome = state.withLock { state in
                if state.closed { return .closed }
                return state.jobs.isEmpty ? .empty : .job(state.jobs.removeFirst())
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
            state.closed || state.jobs.isEmpty ? nil : state.jobs.removeFirst()
        }
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
