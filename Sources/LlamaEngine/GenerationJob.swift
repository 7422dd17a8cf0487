import Synchronization
import WriterAssistantLLM

/// One submitted generation: its request, where its events go, and whether its consumer has gone.
final class GenerationJob: Sendable {
    typealias Events = AsyncThrowingStream<GenerationEvent, any Error>

    let request: GenerationRequest
    let submitted: ContinuousClock.Instant
    private let continuation: Events.Continuation
    private let cancelled = Atomic<Bool>(false)

    init(request: GenerationRequest, continuation: Events.Continuation) {
        self.request = request
        self.continuation = continuation
        submitted = .now
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    func send(_ event: GenerationEvent) {
        continuation.yield(event)
    }

    func finish(throwing error: (any Error)? = nil) {
        continuation.finish(throwing: error)
    }
}
