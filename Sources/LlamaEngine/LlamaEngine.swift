import CLlama
import Foundation
public import WriterAssistantLLM

/// A GGUF model served by llama.cpp in this process.
///
/// All evaluation happens on one dedicated thread that owns the llama.cpp context (which is not
/// thread-safe), so no cooperative-pool thread ever blocks on the model. Requests wait in a bounded
/// queue and run one at a time; a request whose prompt starts like the previous one reuses that
/// part of the cache.
public final class LlamaEngine: LanguageModel {
    public struct Configuration: Sendable {
        public var modelPath: String
        /// Tokens one generation may hold, prompt and answer together.
        public var contextSize: Int
        public var threads: Int
        public var promptChunkSize: Int
        /// Requests that may wait for the model; more are refused rather than left to hang.
        public var maxQueuedRequests: Int

        public init(
            modelPath: String,
            contextSize: Int = 4096,
            threads: Int? = nil,
            promptChunkSize: Int = 256,
            maxQueuedRequests: Int = 64
        ) {
            self.modelPath = modelPath
            self.contextSize = contextSize
            self.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
            self.promptChunkSize = promptChunkSize
            self.maxQueuedRequests = maxQueuedRequests
        }
    }

    public let descriptor: ModelDescriptor
    private let model: LlamaModel
    private let queue: JobQueue

    /// Loads the model and starts the engine thread. Loading runs on a thread of its own too.
    public static func load(_ configuration: Configuration) async throws -> LlamaEngine {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try LlamaEngine(configuration) })
            }.start()
        }
    }

    private init(_ configuration: Configuration) throws {
        guard FileManager.default.fileExists(atPath: configuration.modelPath) else {
            throw LlamaEngineError.modelFileMissing(path: configuration.modelPath)
        }
        let model = try LlamaModel(path: configuration.modelPath)
        let context = try LlamaContext(
            model: model,
            settings: .init(
                contextSize: configuration.contextSize,
                threads: max(1, configuration.threads),
                promptChunkSize: max(1, configuration.promptChunkSize)))
        self.model = model
        descriptor = ModelDescriptor(
            name: URL(fileURLWithPath: configuration.modelPath).lastPathComponent,
            contextLength: context.contextLength)
        queue = JobQueue(limit: configuration.maxQueuedRequests)

        let worker = EngineThreadHandoff(context: context, queue: queue)
        let thread = Thread { worker.run() }
        thread.name = "llama-engine"
        thread.start()
    }

    deinit {
        shutdown()
    }

    /// Stops the engine thread after the current generation; waiting ones fail with `engineStopped`.
    public func shutdown() {
        for job in queue.close() {
            job.finish(throwing: LanguageModelError.engineStopped)
        }
    }

    public func tokenize(_ text: String) throws -> [Token] {
        try model.tokenize(text)
    }

    public func renderChat(_ messages: [ChatMessage]) throws -> String {
        try model.renderChat(messages)
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let job = GenerationJob(request: request, continuation: continuation)
        continuation.onTermination = { _ in job.cancel() }
        do {
            try queue.submit(job)
        } catch {
            continuation.finish(throwing: error)
        }
        return events
    }
}

/// Carries the context, created on the loading thread, to the engine thread that alone uses it
/// from then on.
private struct EngineThreadHandoff: @unchecked Sendable {
    let context: LlamaContext
    let queue: JobQueue

    func run() {
        while let job = queue.next() {
            context.run(job)
        }
    }
}
