import Synchronization
import WriterAssistantLLM

/// One submitted generation: its request, where its events go, and whether its consumer has gone.
final class GenerationJob: Sendable {
    typealias Events = AsyncThrowingStream<GenerationEvent, any Error>

    let request: GenerationRequest
    /// The prompt's tokens (see `LlamaEngine.generate`).
    let prompt: [Token]
    let submitted: ContinuousClock.Instant
    /// Receives the logits the first answer token was sampled from; for checking that batching
    /// and prefix reuse compute what a lone, cold evaluation would.
    let firstLogits: LogitsCapture?
    private let continuation: Events.Continuation
    private let cancelled = Atomic<Bool>(false)
    /// Run once when the job ends, however it ends.
    private let ending = Mutex<(@Sendable () -> Void)?>(nil)

    init(request: GenerationRequest, continuation: Events.Continuation, firstLogits: LogitsCapture? = nil) {
        self.request = request
        prompt = request.prompt.tokens ?? []
        self.continuation = continuation
        self.firstLogits = firstLogits
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
        let ended = ending.withLock { action in
            defer { action = nil }
            return action
        }
        ended?()
    }

    func whenEnded(_ action: @escaping @Sendable () -> Void) {
        ending.withLock { $0 = action }
    }
}

package final class LogitsCapture: Sendable {
    private let storage = Mutex<[Float]?>(nil)

    package init() {}

    package var logits: [Float]? { storage.withLock { $0 } }

    func record(_ logits: [Float]) {
        storage.withLock { $0 = logits }
    }
}

/// What the engine thread is doing, readable from any thread.
final class EngineActivity: Sendable {
    let running = Atomic<Int>(0)
    /// A job taken from the queue that waits for room in the cache pool (0 or 1).
    let waitingForRoom = Atomic<Int>(0)
}
