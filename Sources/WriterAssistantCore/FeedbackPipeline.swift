public import Logging
public import WriterAssistantAPI
public import WriterAssistantLLM

/// Runs one rater over one story and reports each phase as it begins.
///
/// The phases are real work: `context_processing` assembles and tokenizes the prompt,
/// `evaluating` starts when the model begins reading it, `generating_feedback` when it writes the
/// first piece of the answer, `parsing` when the answer is complete.
public struct FeedbackPipeline: Sendable {
    public struct Configuration: Sendable {
        public var sampling: SamplingParameters
        /// Longest time the model may take, waiting for it included.
        public var generationTimeout: Duration

        public init(sampling: SamplingParameters = .raterDefaults, generationTimeout: Duration = .seconds(300)) {
            self.sampling = sampling
            self.generationTimeout = generationTimeout
        }
    }

    public struct Options: Sendable {
        /// Also report the answer's text as it is written.
        public var includeTokens: Bool

        public init(includeTokens: Bool = false) {
            self.includeTokens = includeTokens
        }
    }

    private let host: ModelHost
    private let configuration: Configuration

    public init(host: ModelHost, configuration: Configuration = Configuration()) {
        self.host = host
        self.configuration = configuration
    }

    /// The run as a sequence of stream events that ends after a `result` or an `error`.
    /// Dropping the sequence, or cancelling the task that iterates it, cancels the run.
    public func events(
        for request: RaterFeedbackRequest, options: Options = Options(), logger: Logger = Self.silentLogger
    ) -> AsyncStream<StreamEvent> {
        let (events, continuation) = AsyncStream.makeStream(of: StreamEvent.self)
        let run = Task {
            await self.run(request, options: options, logger: logger) { continuation.yield($0) }
            continuation.finish()
        }
        continuation.onTermination = { _ in run.cancel() }
        return events
    }

    /// The run's final result, for callers that do not want progress.
    /// `observe` sees every event, as a stream's client would.
    public func result(
        for request: RaterFeedbackRequest, logger: Logger = Self.silentLogger,
        observe: (StreamEvent) -> Void = { _ in }
    ) async throws -> RaterFeedbackResult {
        var outcome: Result<RaterFeedbackResult, FeedbackFailure>?
        for await event in events(for: request, logger: logger) {
            observe(event)
            switch event {
            case .result(let result): outcome = .success(result)
            case .error(let message, let code): outcome = .failure(FeedbackFailure(code, message))
            case .status, .token: continue
            }
        }
        guard let outcome else { throw CancellationError() }
        return try outcome.get()
    }

    /// Runs the request, handing each event to `emit` as soon as it exists. Returns without a final
    /// event only when the calling task is cancelled.
    public func run(
        _ request: RaterFeedbackRequest,
        options: Options = Options(),
        logger: Logger = Self.silentLogger,
        emit: @escaping @Sendable (StreamEvent) async -> Void
    ) async {
        let started = ContinuousClock.now
        do {
            let model = try host.readyModel()
            await emit(.status(.contextProcessing))
            // Preparing the prompt counts against the time limit too: tokenizing a huge story
            // waits its turn off the cooperative pool, and a client's patience covers both.
            let (prompt, generation) = try await withTimeout(configuration.generationTimeout) {
                let prompt = try await PromptAssembler(answerReserve: self.configuration.sampling.maxTokens)
                    .assemble(request, for: model)
                let generation = try await Self.generate(
                    prompt, with: model, sampling: self.configuration.sampling,
                    includeTokens: options.includeTokens, emit: emit)
                return (prompt, generation)
            }
            await emit(.status(.parsing))
            let summary = generation.summary
            let reading = try FeedbackParser.read(generation.text, stoppedAtLimit: summary.stopReason == .maxTokens)
            let feedback = FeedbackCleanup(promptTexts: [prompt.instructions, request.raterPrompt]).clean(reading.feedback)
            let metadata = ContextMetadata(
                tokens: summary.promptTokens + summary.completionTokens,
                processingTime: (ContinuousClock.now - started).inSeconds,
                promptTokens: summary.promptTokens,
                completionTokens: summary.completionTokens,
                cachedTokens: summary.reusedPromptTokens,
                queueTime: summary.queueSeconds,
                decodeTokensPerSecond: summary.tokensPerSecond,
                model: model.descriptor.name,
                omittedContext: prompt.omittedSections.isEmpty ? nil : prompt.omittedSections,
                truncated: reading.truncated ? true : nil,
                tokenCountsEstimated: summary.countsEstimated ? true : nil)
            await emit(.status(.complete))
            let raterName = request.raterName?.trimmed.nilIfEmpty ?? "Rater"
            await emit(.result(RaterFeedbackResult(raterName: raterName, feedback: feedback, contextMetadata: metadata)))
        } catch is CancellationError {
            logger.debug("Feedback cancelled")
        } catch {
            let failure = Self.failure(for: error)
            logger.log(level: failure.code == .generationFailed ? .error : .notice, "Feedback failed", metadata: [
                "error_code": "\(failure.code)", "reason": "\((error as? FeedbackFailure)?.message ?? "\(error)")",
            ])
            await emit(.error(message: failure.message, code: failure.code))
        }
    }

    /// What a client is told of any failure: the pipeline's own as they are, the model's mapped
    /// to their codes, anything else as a failed generation.
    private static func failure(for error: any Error) -> FeedbackFailure {
        switch error {
        case let failure as FeedbackFailure: failure
        case let error as LanguageModelError: failure(for: error)
        default: FeedbackFailure(.generationFailed, "The model failed while writing the feedback.")
        }
    }

    /// For callers with nothing to log to.
    public static let silentLogger = Logger(label: "writer-assistant.feedback", factory: { _ in SwiftLogNoOpLogHandler() })

    private struct Generation: Sendable {
        var text: String
        var summary: GenerationSummary
    }

    private static func generate(
        _ prompt: AssembledPrompt,
        with model: any LanguageModel,
        sampling: SamplingParameters,
        includeTokens: Bool,
        emit: @escaping @Sendable (StreamEvent) async -> Void
    ) async throws -> Generation {
        let suggestions = AnswerFormat.writtenSuggestions(maxTokens: sampling.maxTokens)
        let request = GenerationRequest(
            prompt: prompt.prompt, sampling: sampling, constraint: AnswerFormat.constraint(suggestions: suggestions),
            guide: FeedbackAnswerGuide(suggestionRange: suggestions), affinity: prompt.affinity)
        var text = ""
        var writing = false
        do {
            for try await event in model.generate(request) {
                switch event {
                case .promptEvaluationStarted:
                    await emit(.status(.evaluating))
                case .promptEvaluationProgress:
                    continue
                case .text(let piece):
                    if !writing {
                        writing = true
                        await emit(.status(.generatingFeedback))
                    }
                    text += piece
                    if includeTokens { await emit(.token(text: piece)) }
                case .finished(let summary):
                    if !writing { await emit(.status(.generatingFeedback)) }
                    return Generation(text: text, summary: summary)
                }
            }
        } catch let error as LanguageModelError {
            throw failure(for: error)
        }
        // The stream ends without `finished` only when this task was cancelled.
        throw CancellationError()
    }

    private static func failure(for error: LanguageModelError) -> FeedbackFailure {
        switch error {
        case .contextOverflow, .tokenizationFailed, .chatTemplateFailed:
            FeedbackFailure(.contextProcessingError, error.description)
        case .queueFull, .peerBusy:
            FeedbackFailure(.serverBusy, "The server is busy with other feedback requests. Try again shortly.")
        case .peerUnavailable:
            FeedbackFailure(.llmNotAvailable, error.description)
        case .peerFailed:
            FeedbackFailure(.generationFailed, "The model failed while writing the feedback: \(error.description)")
        case .invalidGrammar, .evaluationFailed, .engineStopped:
            FeedbackFailure(.generationFailed, "The model failed while writing the feedback: \(error.description)")
        }
    }

    private func withTimeout<T: Sendable>(
        _ limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask(operation: operation)
            group.addTask {
                try await Task.sleep(for: limit)
                throw FeedbackFailure.timedOut(after: limit)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }
}
