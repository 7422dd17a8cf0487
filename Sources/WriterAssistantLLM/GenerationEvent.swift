/// What a generation reports, in this order: `promptEvaluationStarted` once, any number of
/// `promptEvaluationProgress`, any number of `text`, then `finished` once.
public enum GenerationEvent: Sendable, Equatable {
    /// The model has begun reading the prompt (after any wait for the model to become free).
    /// `reusedTokens` of the prompt were already evaluated and are skipped.
    case promptEvaluationStarted(promptTokens: Int, reusedTokens: Int)
    case promptEvaluationProgress(evaluated: Int, total: Int)
    /// Newly generated text; always whole UTF-8 characters.
    case text(String)
    case finished(GenerationSummary)
}

public struct GenerationSummary: Sendable, Equatable {
    public enum StopReason: String, Sendable {
        /// The model ended its answer.
        case endOfGeneration
        /// The answer reached `SamplingParameters.maxTokens`.
        case maxTokens
    }

    public var promptTokens: Int
    public var reusedPromptTokens: Int
    public var completionTokens: Int
    public var stopReason: StopReason
    /// Seconds between submission and the start of prompt evaluation.
    public var queueSeconds: Double
    public var promptEvaluationSeconds: Double
    public var generationSeconds: Double
    /// The token counts are estimates: the engine's server reported none.
    public var countsEstimated: Bool

    public init(
        promptTokens: Int,
        reusedPromptTokens: Int = 0,
        completionTokens: Int,
        stopReason: StopReason,
        queueSeconds: Double = 0,
        promptEvaluationSeconds: Double = 0,
        generationSeconds: Double = 0,
        countsEstimated: Bool = false
    ) {
        self.promptTokens = promptTokens
        self.reusedPromptTokens = reusedPromptTokens
        self.completionTokens = completionTokens
        self.stopReason = stopReason
        self.queueSeconds = queueSeconds
        self.promptEvaluationSeconds = promptEvaluationSeconds
        self.generationSeconds = generationSeconds
        self.countsEstimated = countsEstimated
    }

    /// Answer tokens per second of writing. The first token comes from the prompt's evaluation,
    /// not a decode step of its own, so it is not counted; an answer of one token has no rate.
    public var tokensPerSecond: Double? {
        guard generationSeconds > 0, completionTokens > 1 else { return nil }
        return Double(completionTokens - 1) / generationSeconds
    }
}
