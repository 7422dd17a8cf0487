public import WriterAssistantAPI
public import WriterAssistantLLM

/// One of the server's long-running operations, described by its request type: how its prompt
/// ends (the story before it is laid out the same for all), how its answer is written, and how
/// the answer becomes its result. Everything else (phases, time limits, cancellation, batching,
/// the story cache, error mapping, SSE framing) is `OperationPipeline`'s and the HTTP layer's,
/// the same for every operation.
public protocol WritingOperation: OperationRequest {
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
    func result(from answer: FinishedAnswer) throws(FeedbackFailure) -> Result
}

/// How one answer is written: its sampling (with its token budget), and for a structured answer
/// its shape and the guide that closes it within the budget.
public struct AnswerPlan: Sendable {
    public var sampling: SamplingParameters
    public var constraint: AnswerConstraint?
    public var guide: (any OutputGuide)?

    public init(sampling: SamplingParameters, constraint: AnswerConstraint? = nil, guide: (any OutputGuide)? = nil) {
        self.sampling = sampling
        self.constraint = constraint
        self.guide = guide
    }
}

/// A finished answer as the pipeline hands it to its operation.
public struct FinishedAnswer: Sendable {
    /// Everything the model wrote.
    public var text: String
    /// The engine stopped the answer at its token budget.
    public var stoppedAtLimit: Bool
    /// How it was produced; `truncated` is for the operation to set.
    public var metadata: ContextMetadata
    /// What the model was told about its answer, which the answer should not echo.
    public var instructions: String
    /// The answer's token budget.
    public var maxTokens: Int

    public init(text: String, stoppedAtLimit: Bool, metadata: ContextMetadata, instructions: String, maxTokens: Int = .max) {
        self.text = text
        self.stoppedAtLimit = stoppedAtLimit
        self.metadata = metadata
        self.instructions = instructions
        self.maxTokens = maxTokens
    }

    /// The metadata, saying whether the answer had to be cut or closed early.
    public func metadata(truncated: Bool) -> ContextMetadata {
        var metadata = metadata
        metadata.truncated = truncated ? true : nil
        return metadata
    }
}

extension WritingOperation {
    /// The status event of a phase, with the contract's progress and the operation's message.
    static func status(_ phase: FeedbackPhase) -> OperationEvent<Result> {
        .status(phase: phase, message: message(for: phase), progress: phase.progress)
    }
}

/// Every operation the server offers, in the order it lists them.
public enum WritingOperations {
    public static let all: [any WritingOperation.Type] = [
        RaterFeedbackRequest.self, CharacterFeedbackRequest.self, EditorReviewRequest.self, GenerateChapterRequest.self,
        ModifyChapterRequest.self, FleshOutRequest.self, GenerateCharacterDetailsRequest.self, RegenerateBioRequest.self,
        GenerateChapterOutlinesRequest.self,
    ]
}
