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

    init(limit: Int) {
        self.limit = limit
    }

    func submit(_ job: GenerationJob) throws(LanguageModelError) {
        try state.withLock { state throws(LanguageModelError) in
            if state.closed { throw .engineStopped }
            if state.jobs.count >= limit { throw .queueFull(limit: limit) }
            state.jobs.append(job)
        }
        available.signal()
    }

    /// Blocks the calling (engine) thread until a job arrives; nil once the queue is closed.
    func next() -> GenerationJob? {
        while true {
            available.wait()
            let job: GenerationJob?? = state.withLock { state in
                if state.closed { return .some(nil) }
                return state.jobs.isEmpty ? nil : state.jobs.removeFirst()
            }
            if let job { return job }
        }
    }

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
