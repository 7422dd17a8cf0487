package import WriterAssistantAPI
package import WriterAssistantLLM

/// One of the server's long-running operations, described by its request type: how its prompt
/// ends (the story before it is laid out the same for all), how its answer is written, and how
/// the answer becomes its result. Everything else (phases, time limits, cancellation, batching,
/// the story cache, error mapping, SSE framing) is `OperationPipeline`'s and the HTTP layer's,
/// the same for every operation.
package protocol WritingOperation: OperationRequest {
    /// What the answer is called in messages to the writer: "feedback", "chapter".
    static var answerName: String { get }

    /// The status message of each phase, in the operation's words.
    static func message(for phase: FeedbackPhase) -> String

    /// The operation's own part of the prompt, after the story. `names` are the story's own
    /// characters and places, for instructions that should speak of them.
    func task(names: [String]) -> PromptTask

    /// How the answer is sampled, bounded and shaped, from the server's settings.
    func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan

    /// The result the model's finished answer stands for, or the failure a client is told.
    func result(from answer: FinishedAnswer) throws(OperationFailure) -> Result

    /// Whether the operation reads the writer's archive (their stored stories) rather than a story
    /// sent or named: the server then gathers its material with `gather(from:)` before running it.
    static var readsTheArchive: Bool { get }

    /// Takes what the operation reads from the writer's archive.
    mutating func gather(from archive: any StoryArchive) async throws

    /// How the result is reached. Most operations write one answer and read it; one that checks
    /// its answer and writes again (a revision with `maxRounds`) writes several in one run.
    func produce(in run: OperationRun<Self>) async throws -> Result
}

extension WritingOperation {
    package static var readsTheArchive: Bool { false }

    package mutating func gather(from archive: any StoryArchive) async throws {}

    package func produce(in run: OperationRun<Self>) async throws -> Result {
        try await run.answerAndRead(self)
    }
}

/// One run of an operation as its `produce` sees it: the model it runs on, and answers written
/// with the pipeline's limits, phases, cancellation and failures.
package struct OperationRun<Operation: WritingOperation>: Sendable {
    let pipeline: OperationPipeline
    let model: any LanguageModel
    let options: OperationPipeline.Options
    let started: ContinuousClock.Instant
    let send: @Sendable (OperationEvent<Operation.Result>) async -> Void

    var configuration: OperationPipeline.Configuration { pipeline.configuration }

    /// One answer to `story`'s prompt, as `plan` says, called `answerName` in failures; `status`
    /// gives the event of each phase it reaches (nil sends none), and its text goes to a client
    /// asking for tokens when `streamsTokens`.
    func answer(
        _ story: StoryPrompt, plan: AnswerPlan, answerName: String = Operation.answerName, streamsTokens: Bool = true,
        status: @escaping @Sendable (FeedbackPhase) -> OperationEvent<Operation.Result>?
    ) async throws -> FinishedAnswer {
        try await pipeline.answer(
            story, plan: plan, answerName: answerName, with: model, options: options, started: started,
            status: status, streamsTokens: streamsTokens, emit: send)
    }

    /// The result of one answer to `operation`'s own prompt, read as it says, with every phase's
    /// status: what a run of most operations is.
    func answerAndRead(_ operation: Operation) async throws -> Operation.Result {
        let answer = try await self.answer(StoryPrompt(operation), plan: operation.answerPlan(configuration)) { Operation.status($0) }
        await emit(Operation.status(.parsing))
        return try operation.result(from: answer)
    }

    /// What a client is told of `error`, with the model's details only where the server explains them.
    func clientFailure(for error: any Error, answerName: String) -> OperationFailure {
        pipeline.clientFailure(for: error, answerName: answerName)
    }

    func emit(_ event: OperationEvent<Operation.Result>) async {
        await send(event)
    }
}

/// How one answer is written: its sampling (with its token budget), and for a structured answer
/// its shape and the guide that closes it within the budget.
package struct AnswerPlan: Sendable {
    package var sampling: SamplingParameters
    package var constraint: AnswerConstraint?
    package var guide: (any OutputGuide)?

    package init(sampling: SamplingParameters, constraint: AnswerConstraint? = nil, guide: (any OutputGuide)? = nil) {
        self.sampling = sampling
        self.constraint = constraint
        self.guide = guide
    }
}

/// A finished answer as the pipeline hands it to its operation.
package struct FinishedAnswer: Sendable {
    /// Everything the model wrote.
    package var text: String
    /// The engine stopped the answer at its token budget.
    package var stoppedAtLimit: Bool
    /// How it was produced; `truncated` is for the operation to set.
    package var metadata: ContextMetadata
    /// What the model was told about its answer, which the answer should not echo.
    package var instructions: String
    /// The answer's token budget.
    package var maxTokens: Int

    package init(text: String, stoppedAtLimit: Bool, metadata: ContextMetadata, instructions: String, maxTokens: Int = .max) {
        self.text = text
        self.stoppedAtLimit = stoppedAtLimit
        self.metadata = metadata
        self.instructions = instructions
        self.maxTokens = maxTokens
    }

    /// The metadata, saying whether the answer had to be cut or closed early.
    package func metadata(truncated: Bool) -> ContextMetadata {
        var metadata = metadata
        metadata.truncated = truncated ? true : nil
        return metadata
    }
}

extension WritingOperation {
    /// The status event of a phase, with the contract's progress and the operation's message, and
    /// the round it belongs to in a run of several.
    static func status(_ phase: FeedbackPhase, round: RoundProgress? = nil) -> OperationEvent<Result> {
        .status(phase: phase, message: message(for: phase), progress: phase.progress, round: round)
    }
}

/// Every operation the server offers, in the order it lists them.
package enum WritingOperations {
    package static let all: [any WritingOperation.Type] = [
        RaterFeedbackRequest.self, CharacterFeedbackRequest.self, EditorReviewRequest.self, GenerateChapterRequest.self,
        ModifyChapterRequest.self, FleshOutRequest.self, GenerateCharacterDetailsRequest.self, RegenerateBioRequest.self,
        GenerateChapterOutlinesRequest.self, ArchiveQuestionRequest.self, ChatRequest.self,
    ]
}
