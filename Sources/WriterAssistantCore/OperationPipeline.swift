package import Logging
package import WriterAssistantAPI
package import WriterAssistantLLM
import Tracing

/// Runs one operation (a rater's feedback, a chapter, an editor's review…) over one story and
/// reports each phase as it begins.
///
/// The phases are real work: `context_processing` assembles and tokenizes the prompt,
/// `evaluating` starts when the model begins reading it, `generating_feedback` when it writes the
/// first piece of the answer, `parsing` when the answer is complete.
package struct OperationPipeline: Sendable {
    package struct Configuration: Sendable {
        /// Sampling of every answer; `maxTokens` is the budget of structured answers (a rater's
        /// feedback, a review, a character sheet).
        package var sampling: SamplingParameters
        /// The budget of prose answers: a generated, revised or fleshed-out chapter.
        package var chapterMaxTokens: Int
        /// Longest time the model may take, waiting for it included.
        package var generationTimeout: Duration
        /// Whether a client is told why the model cannot answer (a model file's path, a model
        /// server's address and what it said). True where the writer runs the server; a server
        /// with many writers gives them fixed reasons and keeps the details for its log.
        package var explainsModelFailures: Bool
        /// The share of a prompt's budget given to passages of the chapters left out when a story
        /// does not fit (`PromptAssembler.passageShare`).
        package var passageShare: Double
        /// The largest share of a prompt's budget given to summaries of the chapters left out
        /// (`PromptAssembler.summaryShare`); 0 neither writes nor reads them.
        package var summaryShare: Double

        package init(
            sampling: SamplingParameters = .raterDefaults, chapterMaxTokens: Int = Self.defaultChapterMaxTokens,
            generationTimeout: Duration = .seconds(300), explainsModelFailures: Bool = true,
            passageShare: Double = PromptAssembler.defaultPassageShare,
            summaryShare: Double = PromptAssembler.defaultSummaryShare
        ) {
            self.sampling = sampling
            self.chapterMaxTokens = chapterMaxTokens
            self.generationTimeout = generationTimeout
            self.explainsModelFailures = explainsModelFailures
            self.passageShare = passageShare
            self.summaryShare = summaryShare
        }

        /// How a prompt is fitted to the model, with `answerReserve` tokens kept for the answer.
        func assembler(answerReserve: Int) -> PromptAssembler {
            PromptAssembler(answerReserve: answerReserve, passageShare: passageShare, summaryShare: summaryShare)
        }

        /// Sampling for a prose answer that wants `tokens`, within the prose budget.
        package func prose(wanting tokens: Int) -> SamplingParameters {
            var prose = sampling
            prose.maxTokens = min(chapterMaxTokens, tokens)
            return prose
        }

        /// Tokens of `text` as a budget reckons them: about four bytes each.
        package static func estimatedTokens(_ text: String) -> Int { text.utf8.count / 4 }

        /// About 1,100 words: a short chapter, which the default model writes in well under the
        /// time limit on two cores. Larger models and machines may allow several thousand.
        package static let defaultChapterMaxTokens = 1_500
    }

    package struct Options: Sendable {
        /// Also report the answer's text as it is written.
        package var includeTokens: Bool
        /// Whose cache the answer may use (`GenerationRequest.cachePartition`): the HTTP layer
        /// gives each writer their own, so one writer's requests learn nothing of another's story.
        package var cachePartition: String?
        /// Where the summaries of a stored story's chapters are kept beyond the process.
        package var summaryArchive: (any ChapterSummaryArchive)?

        package init(
            includeTokens: Bool = false, cachePartition: String? = nil, summaryArchive: (any ChapterSummaryArchive)? = nil
        ) {
            self.includeTokens = includeTokens
            self.cachePartition = cachePartition
            self.summaryArchive = summaryArchive
        }
    }

    let host: ModelHost
    let configuration: Configuration
    /// Where summaries of the chapters a prompt leaves out are kept and written; nil reads none.
    let summaries: ChapterSummaries?

    package init(host: ModelHost, configuration: Configuration = Configuration(), summaries: ChapterSummaries? = nil) {
        self.host = host
        self.configuration = configuration
        self.summaries = configuration.summaryShare > 0 ? summaries : nil
    }

    /// The run as a sequence of stream events that ends after a `result` or an `error`.
    /// Dropping the sequence, or cancelling the task that iterates it, cancels the run.
    package func events<Operation: WritingOperation>(
        for request: Operation, options: Options = Options(), logger: Logger = Self.silentLogger
    ) -> AsyncStream<OperationEvent<Operation.Result>> {
        let (events, continuation) = AsyncStream.makeStream(of: OperationEvent<Operation.Result>.self)
        let run = Task {
            await self.run(request, options: options, logger: logger) { continuation.yield($0) }
            continuation.finish()
        }
        continuation.onTermination = { _ in run.cancel() }
        return events
    }

    /// The run's final result, for callers that do not want progress.
    /// `observe` sees every event, as a stream's client would.
    package func result<Operation: WritingOperation>(
        for request: Operation, options: Options = Options(), logger: Logger = Self.silentLogger,
        observe: (OperationEvent<Operation.Result>) -> Void = { _ in }
    ) async throws -> Operation.Result {
        var outcome: Result<Operation.Result, OperationFailure>?
        for await event in events(for: request, options: options, logger: logger) {
            observe(event)
            switch event {
            case .result(let result): outcome = .success(result)
            case .error(let message, let code): outcome = .failure(OperationFailure(code, message))
            case .status, .token: continue
            }
        }
        guard let outcome else { throw CancellationError() }
        return try outcome.get()
    }

    /// Runs the request, handing each event to `emit` as soon as it exists. Returns without a final
    /// event only when the calling task is cancelled.
    ///
    /// The run is a span of the active tracer (a child of the request's, where one is active), its
    /// phases the span's events and the model's work a child span; without a tracer these cost
    /// nothing.
    package func run<Operation: WritingOperation>(
        _ request: Operation,
        options: Options = Options(),
        logger: Logger = Self.silentLogger,
        emit: @escaping @Sendable (OperationEvent<Operation.Result>) async -> Void
    ) async {
        await withSpan(Operation.operationName) { span in
            await perform(request, options: options, logger: logger) { event in
                switch event {
                case .status(let phase, _, _, _): span.addEvent(SpanEvent(name: phase.rawValue))
                case .error(_, let code):
                    span.attributes["writer_assistant.error_code"] = code.rawValue
                    span.setStatus(SpanStatus(code: .error, message: code.rawValue))
                case .token, .result: break
                }
                await emit(event)
            }
        }
    }

    private func perform<Operation: WritingOperation>(
        _ request: Operation,
        options: Options,
        logger: Logger,
        emit: @escaping @Sendable (OperationEvent<Operation.Result>) async -> Void
    ) async {
        do {
            let run = OperationRun<Operation>(
                pipeline: self, model: try host.readyModel(), options: options, started: .now, send: emit)
            await emit(Operation.status(.contextProcessing))
            let result = try await request.produce(in: run)
            await emit(Operation.status(.complete))
            await emit(.result(result))
        } catch is CancellationError {
            logger.debug("Operation cancelled", metadata: ["operation": "\(Operation.operationName)"])
        } catch {
            let failure = clientFailure(for: error, answerName: Operation.answerName)
            logger.log(level: failure.code == .generationFailed ? .error : .notice, "Operation failed", metadata: [
                "operation": "\(Operation.operationName)",
                "error_code": "\(failure.code)", "reason": "\((error as? OperationFailure)?.message ?? "\(error)")",
            ])
            await emit(.error(message: failure.message, code: failure.code))
        }
    }

    /// One answer of a run begun at `started`: `story`'s prompt fitted to `model` and answered as
    /// `plan` says, within the time limit, which the whole run shares. `status` gives the event of
    /// each phase the answer reaches (nil: none is sent); the answer's text goes to a client
    /// asking for tokens only when `streamsTokens`.
    func answer<Result: OperationResult>(
        _ story: StoryPrompt, plan: AnswerPlan, answerName: String, with model: any LanguageModel, options: Options,
        started: ContinuousClock.Instant, status: @escaping @Sendable (FeedbackPhase) -> OperationEvent<Result>?,
        streamsTokens: Bool, emit: @escaping @Sendable (OperationEvent<Result>) async -> Void
    ) async throws -> FinishedAnswer {
        // Preparing the prompt counts against the time limit too: tokenizing a huge story
        // waits its turn off the cooperative pool, and a client's patience covers both.
        let limit = configuration.generationTimeout
        let remaining = limit - (ContinuousClock.now - started)
        guard remaining > .zero else { throw OperationFailure.timedOut(after: limit, answerName: answerName) }
        var tokenOptions = options
        tokenOptions.includeTokens = options.includeTokens && streamsTokens
        let (prompt, generation) = try await withDeadline(
            remaining, else: OperationFailure.timedOut(after: limit, answerName: answerName)
        ) { [tokenOptions] in
            let (_, prompt) = try await assemblePrompt(
                story, answerReserve: plan.sampling.maxTokens, with: model, options: tokenOptions)
            let generation = try await Self.generate(
                prompt, plan: plan, with: model, options: tokenOptions, status: status, answerName: answerName, emit: emit)
            return (prompt, generation)
        }
        let summary = generation.summary
        let metadata = ContextMetadata(
            tokens: summary.promptTokens + summary.completionTokens,
            processingTime: (ContinuousClock.now - started).inSeconds,
            promptTokens: summary.promptTokens,
            completionTokens: summary.completionTokens,
            cachedTokens: summary.reusedPromptTokens,
            queueTime: summary.queueSeconds,
            decodeTokensPerSecond: summary.tokensPerSecond,
            model: modelName(model),
            omittedContext: prompt.omittedSections.isEmpty ? nil : prompt.omittedSections,
            quotedContext: prompt.quotedChapters,
            summarisedContext: prompt.summarisedChapters,
            summariesPending: prompt.pendingSummaries.nilIfEmpty,
            summariesFailed: prompt.failedSummaries.nilIfEmpty,
            tokenCountsEstimated: summary.countsEstimated ? true : nil)
        return FinishedAnswer(
            text: generation.text, stoppedAtLimit: summary.stopReason == .maxTokens, metadata: metadata,
            instructions: prompt.instructions, maxTokens: plan.sampling.maxTokens)
    }

    /// The prompt `story` fitted to `model` with `answerReserve` tokens kept for the answer, as a
    /// run and its preview both make it.
    func assemblePrompt(
        _ story: StoryPrompt, answerReserve: Int, with model: any LanguageModel, options: Options
    ) async throws -> (PromptAssembler, AssembledPrompt) {
        let assembler = configuration.assembler(answerReserve: answerReserve)
        let summaries = summaries?.reader(
            cachePartition: options.cachePartition, model: model.descriptor.name, archive: options.summaryArchive)
        return (assembler, try await assembler.assemble(story, for: model, summaries: summaries))
    }

    /// The model's name as a client is told it: a model server's address only where the server
    /// explains the model's details.
    func modelName(_ model: any LanguageModel) -> String {
        configuration.explainsModelFailures ? model.descriptor.name : ModelDescriptor.publicName(model.descriptor.name)
    }

    /// What a client is told of any failure, with the model's details only where the server
    /// explains them.
    func clientFailure(for error: any Error, answerName: String) -> OperationFailure {
        let failure = Self.failure(for: error, answerName: answerName)
        return configuration.explainsModelFailures ? failure : failure.withoutModelDetails(answerName: answerName)
    }

    /// What a client is told of any failure: the pipeline's own as they are, the model's mapped
    /// to their codes, anything else as a failed generation.
    private static func failure(for error: any Error, answerName: String) -> OperationFailure {
        switch error {
        case let failure as OperationFailure: failure
        case let error as LanguageModelError: failure(for: error, answerName: answerName)
        default: OperationFailure(.generationFailed, "The model failed while writing the \(answerName).")
        }
    }

    /// For callers with nothing to log to.
    package static let silentLogger = Logger(label: "writer-assistant.feedback", factory: { _ in SwiftLogNoOpLogHandler() })

    private struct Generation: Sendable {
        var text: String
        var summary: GenerationSummary
    }

    private static func generate<Result: OperationResult>(
        _ prompt: AssembledPrompt,
        plan: AnswerPlan,
        with model: any LanguageModel,
        options: Options,
        status: @escaping @Sendable (FeedbackPhase) -> OperationEvent<Result>?,
        answerName: String,
        emit: @escaping @Sendable (OperationEvent<Result>) async -> Void
    ) async throws -> Generation {
        let request = GenerationRequest(
            prompt: prompt.prompt, sampling: plan.sampling, constraint: plan.constraint, guide: plan.guide,
            affinity: prompt.affinity, cachePartition: options.cachePartition)
        // Named and described as OpenTelemetry's conventions for generative AI name them, so that
        // a tracing backend shows them as model calls.
        return try await withSpan("chat \(model.descriptor.name)") { span in
            span.attributes["gen_ai.operation.name"] = "chat"
            span.attributes["gen_ai.request.model"] = model.descriptor.name
            span.attributes["gen_ai.request.max_tokens"] = plan.sampling.maxTokens
            var text = ""
            var writing = false
            do {
                for try await event in model.generate(request) {
                    switch event {
                    case .promptEvaluationStarted:
                        if let event = status(.evaluating) { await emit(event) }
                    case .promptEvaluationProgress:
                        continue
                    case .text(let piece):
                        if !writing {
                            writing = true
                            if let event = status(.generatingFeedback) { await emit(event) }
                        }
                        text += piece
                        if options.includeTokens { await emit(.token(text: piece)) }
                    case .finished(let summary):
                        if !writing, let event = status(.generatingFeedback) { await emit(event) }
                        span.attributes["gen_ai.usage.input_tokens"] = summary.promptTokens
                        span.attributes["gen_ai.usage.output_tokens"] = summary.completionTokens
                        span.attributes["writer_assistant.cached_tokens"] = summary.reusedPromptTokens
                        span.attributes["gen_ai.response.finish_reasons"] = [summary.stopReason == .maxTokens ? "length" : "stop"]
                        return Generation(text: text, summary: summary)
                    }
                }
            } catch let error as LanguageModelError {
                throw failure(for: error, answerName: answerName)
            }
            // The stream ends without `finished` only when this task was cancelled.
            throw CancellationError()
        }
    }

    private static func failure(for error: LanguageModelError, answerName: String) -> OperationFailure {
        switch error {
        case .contextOverflow, .tokenizationFailed, .chatTemplateFailed:
            OperationFailure(.contextProcessingError, error.description)
        case .queueFull, .peerBusy:
            OperationFailure(.serverBusy, "The server is busy with other requests. Try again shortly.")
        case .peerUnavailable:
            OperationFailure(.llmNotAvailable, error.description)
        case .peerFailed:
            OperationFailure(.generationFailed, "The model failed while writing the \(answerName): \(error.description)")
        case .invalidGrammar, .evaluationFailed, .engineStopped:
            OperationFailure(.generationFailed, "The model failed while writing the \(answerName): \(error.description)")
        }
    }
}
