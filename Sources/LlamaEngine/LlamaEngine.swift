import CLlama
import Foundation
import Logging
import NIOPosix
import Synchronization
public import WriterAssistantLLM

/// A GGUF model served by llama.cpp in this process.
///
/// All evaluation happens on one dedicated thread that owns the llama.cpp context (which is not
/// thread-safe), so no cooperative-pool thread ever blocks on the model. Up to `parallel` requests
/// are decoded together in one batch per step; more wait in a bounded queue. A request whose prompt
/// starts like one already evaluated (the same story for another rater) reuses that part of the
/// cache instead of reading it again.
public final class LlamaEngine: LanguageModel {
    public struct Configuration: Sendable {
        public var modelPath: String
        /// Tokens one generation may hold, prompt and answer together.
        public var contextSize: Int
        public var threads: Int
        /// Requests decoded together.
        public var parallel: Int
        /// Prompt tokens evaluated per step, shared by the prompts being read: bounds how long one
        /// long prompt can hold up the answers being written.
        public var promptChunkSize: Int
        /// Requests that may wait for a free slot; more are refused rather than left to hang.
        public var maxQueuedRequests: Int
        /// Off by default: on CPUs llama.cpp's flash-attention kernel makes a batched decode step
        /// at a long story's depth slower (docs/engine.md), and off makes results independent of
        /// how prompts were batched.
        public var flashAttention: Bool
        /// Cells in the cache pool all requests share; nil sizes it for a panel (see
        /// `defaultPoolCells`). Never less than one whole context.
        public var cacheTokens: Int?
        /// The longest answer requests ask for, which the default pool leaves room for.
        public var longestAnswer: Int
        /// 8-bit keys by default: the pool takes 0.77 of the memory of 16-bit keys, reading and
        /// writing measured no slower, and the answers no worse (BENCHMARKS.md, QUALITY.md).
        public var keyCacheType: KeyCacheType
        /// Where stories leave the pool for, and come back from; nil keeps none.
        public var storyCache: StoryCacheSettings?
        /// Tokens llama.cpp evaluates at once within a step: its scratch memory is this times the
        /// pool's cells times the attention heads, and a smaller one reads a story more slowly
        /// (docs/engine.md).
        public var microBatchSize: Int
        /// See `DecodeLoop.failureInjection`; tests only.
        var failureInjection: (@Sendable (_ tokens: [Token], _ sequences: [Int32]) -> Int32?)?

        public init(
            modelPath: String,
            contextSize: Int = 4096,
            threads: Int? = nil,
            parallel: Int = 4,
            promptChunkSize: Int = 256,
            maxQueuedRequests: Int = 64,
            flashAttention: Bool = false,
            cacheTokens: Int? = nil,
            longestAnswer: Int = SamplingParameters.raterDefaults.maxTokens,
            keyCacheType: KeyCacheType = .q8_0,
            storyCache: StoryCacheSettings? = nil,
            microBatchSize: Int = 64
        ) {
            self.modelPath = modelPath
            self.contextSize = contextSize
            self.threads = threads ?? ProcessInfo.processInfo.activeProcessorCount
            self.parallel = parallel
            self.promptChunkSize = promptChunkSize
            self.maxQueuedRequests = maxQueuedRequests
            self.flashAttention = flashAttention
            self.cacheTokens = cacheTokens
            self.longestAnswer = longestAnswer
            self.keyCacheType = keyCacheType
            self.storyCache = storyCache
            self.microBatchSize = microBatchSize
        }

        /// One whole context for the request that reads a story, and for each other its own
        /// instructions (a few hundred tokens) and longest answer: a panel's raters share the
        /// story's cells. Requests that do not fit beside the running ones wait for room.
        ///
        /// Rounded to the nearest multiple of `poolGranularity`: llama.cpp allocates the pool in
        /// those, and rounding up would allocate cells no request was sized for.
        public static func defaultPoolCells(contextSize: Int, parallel: Int, longestAnswer: Int) -> Int {
            let wanted = contextSize + max(0, parallel - 1) * (longestAnswer + instructionAllowance)
            return (wanted + poolGranularity / 2) / poolGranularity * poolGranularity
        }

        /// llama.cpp rounds the cells of a pool up to a multiple of this.
        public static let poolGranularity = 256

        /// Tokens of a request's own part (plot point, rater, instructions) the default pool
        /// allows beside its answer; the default rater's is about 110.
        public static let instructionAllowance = CachePolicy.instructionAllowance

        public var poolCells: Int {
            max(cacheTokens ?? Self.defaultPoolCells(contextSize: contextSize, parallel: parallel, longestAnswer: longestAnswer),
                contextSize + 1)
        }
    }

    public let descriptor: ModelDescriptor
    /// Cells of the cache pool all requests share, as llama.cpp allocated it.
    public let poolCells: Int
    private let model: LlamaModel
    private let queue: JobQueue
    /// Tokenizing runs here, one prompt at a time: a multi-megabyte story takes seconds, which
    /// must not hold a cooperative-pool thread, and one thread leaves the cores to decoding.
    private let preparation: NIOThreadPool
    private let activity: EngineActivity
    private let stopped = Completion()

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
        let settings = DecodeLoop.Settings(
            contextPerSequence: configuration.contextSize,
            parallel: max(1, configuration.parallel),
            threads: max(1, configuration.threads),
            promptChunkSize: max(1, configuration.promptChunkSize),
            flashAttention: configuration.flashAttention,
            poolCells: configuration.poolCells,
            keyCacheType: configuration.keyCacheType,
            microBatchSize: max(1, configuration.microBatchSize))
        let storyCache = configuration.storyCache.flatMap { cache in
            Self.openStoryCache(cache, modelPath: configuration.modelPath, model: model, settings: settings)
        }
        let loop = try DecodeLoop(model: model, settings: settings, storyCache: storyCache)
        loop.failureInjection = configuration.failureInjection
        self.model = model
        poolCells = loop.poolCells
        descriptor = ModelDescriptor(
            name: URL(fileURLWithPath: configuration.modelPath).lastPathComponent,
            contextLength: configuration.contextSize)
        queue = JobQueue(limit: configuration.maxQueuedRequests, slots: max(1, configuration.parallel))
        activity = loop.activity
        preparation = NIOThreadPool(numberOfThreads: 1)
        preparation.start()

        let worker = EngineThreadHandoff(loop: loop, queue: queue, stopped: stopped)
        let thread = Thread { worker.run() }
        thread.name = "llama-engine"
        thread.start()
    }

    deinit {
        shutdown()
    }

    /// The story cache, or nil (said in the log) when its directory cannot be used: the model
    /// serves without it rather than not at all.
    private static func openStoryCache(
        _ cache: StoryCacheSettings, modelPath: String, model: LlamaModel, settings: DecodeLoop.Settings
    ) -> StoryCache? {
        do {
            let layout = "\(settings.keyCacheType)|\(settings.flashAttention)"
            return try StoryCache(cache, fingerprint: ModelFingerprint.of(modelAt: modelPath, model: model.pointer, cacheLayout: layout))
        } catch {
            logger.error("The story cache cannot be used; stories will be read again when they return", metadata: [
                "directory": "\(cache.directory)", "error": "\(error)",
            ])
            return nil
        }
    }

    private static let logger = Logger(label: "writer-assistant.engine")

    /// Stops the engine thread after its current step; running and waiting generations fail with
    /// `engineStopped`. The thread then spills the stories in its pool to disk (see
    /// `waitUntilStopped`).
    public func shutdown() {
        for job in queue.close() {
            job.finish(throwing: LanguageModelError.engineStopped)
        }
        preparation.shutdownGracefully { _ in }
    }

    public func waitUntilStopped() async {
        await stopped.wait()
    }

    /// Generations being evaluated or written right now.
    public var runningGenerations: Int { activity.running.load(ordering: .relaxed) }

    /// Generations waiting for a free slot or for room in the cache pool.
    public var waitingGenerations: Int { queue.count + activity.waitingForRoom.load(ordering: .relaxed) }

    /// Prompts being tokenized or waiting to be.
    public var preparingPrompts: Int { queue.preparingCount }

    public var load: ModelLoad? { ModelLoad(running: runningGenerations, waiting: waitingGenerations, preparing: preparingPrompts) }

    /// Tokenizes text as plain text: a control marker written in it (`<|im_end|>`) stays text.
    public func tokenize(_ text: String) async throws -> [Token] {
        try await preparing { [model] in try model.tokenize(text) }
    }

    public func countTokens(_ text: String) async throws -> Int {
        try await tokenize(text).count
    }

    /// All in one place in the tokenizing queue, so a long list neither takes a place per text
    /// nor fails half-way when the queue fills.
    public func countTokens(_ texts: [String]) async throws -> [Int] {
        try await preparing { [model] in
            var counts: [Int] = []
            counts.reserveCapacity(texts.count)
            for text in texts { counts.append(try model.tokenize(text).count) }
            return counts
        }
    }

    /// The conversation rendered with the model's own chat template.
    public func renderChat(_ messages: [ChatMessage]) throws -> String {
        try model.renderChat(messages)
    }

    /// The conversation as the model reads it (see `LanguageModel.prepare`).
    public func tokenizeChat(_ messages: [ChatMessage]) async throws -> [Token] {
        try await preparing { [model] in try model.tokenizeChat(messages) }
    }

    /// Counted exactly, and tokenized once: `generate` reads these tokens.
    public func prepare(_ messages: [ChatMessage]) async throws -> PreparedPrompt {
        let tokens = try await tokenizeChat(messages)
        return PreparedPrompt(messages: messages, tokenCount: tokens.count, tokens: tokens)
    }

    /// Runs tokenizing work on the preparation thread while it holds a place in the queue. Work
    /// whose caller is cancelled while it waits never runs.
    private func preparing<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let place = try queue.beginPreparing()
        defer { place.release() }
        try Task.checkCancellation()
        do {
            // A caller that leaves gives its place back at once, not when the thread reaches
            // its abandoned work.
            return try await withTaskCancellationHandler {
                try await preparation.runIfActive(work)
            } onCancel: {
                place.release()
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw LanguageModelError.engineStopped
        } catch is CancellationError where !Task.isCancelled {
            // The pool gave up the work because the engine is shutting down.
            throw LanguageModelError.engineStopped
        }
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        generate(request, capturingFirstLogits: nil)
    }

    /// As `generate(_:)`, and records the logits the first answer token is sampled from.
    package func generate(
        _ request: GenerationRequest, capturingFirstLogits capture: LogitsCapture?
    ) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        guard request.prompt.tokens != nil else {
            // Prepared by an engine that sends messages elsewhere; this one reads tokens.
            continuation.finish(throwing: LanguageModelError.tokenizationFailed)
            return events
        }
        let job = GenerationJob(request: request, continuation: continuation, firstLogits: capture)
        // A client that leaves (or times out) while its job waits gives up its place at once; a
        // running job is released by the engine thread at its next step.
        continuation.onTermination = { [queue] _ in
            job.cancel()
            if queue.withdraw(job) { job.finish() }
        }
        do {
            try queue.submit(job)
        } catch {
            continuation.finish(throwing: error)
        }
        return events
    }
}

/// Carries the decode loop, created on the loading thread, to the engine thread that alone uses
/// it from then on.
private struct EngineThreadHandoff: @unchecked Sendable {
    let loop: DecodeLoop
    let queue: JobQueue
    let stopped: Completion

    func run() {
        loop.run(queue)
        stopped.complete()
    }
}
