public enum LanguageModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The prompt and the answer reserve do not fit the model's context window.
    case contextOverflow(promptTokens: Int, contextLength: Int)
    case invalidGrammar
    case tokenizationFailed
    case chatTemplateFailed
    /// The engine's evaluation call failed with the given status.
    case evaluationFailed(status: Int32)
    /// The engine was shut down before the generation could finish.
    case engineStopped
    /// Too many generations are already waiting.
    case queueFull(limit: Int)
    /// The server the engine sends generations to cannot be reached.
    case peerUnavailable(reason: String)
    /// That server is at capacity (it answered 429 or 503).
    case peerBusy(status: Int)
    /// That server refused the request or failed while answering.
    case peerFailed(reason: String)

    public var description: String {
        switch self {
        case .contextOverflow(let promptTokens, let contextLength):
            "The prompt needs \(promptTokens) tokens but the model's window holds \(contextLength)."
        case .invalidGrammar: "The answer grammar could not be compiled."
        case .tokenizationFailed: "The text could not be tokenized."
        case .chatTemplateFailed: "The model's chat template could not be applied."
        case .evaluationFailed(let status): "The model failed while evaluating (status \(status))."
        case .engineStopped: "The model engine stopped."
        case .queueFull(let limit): "More than \(limit) requests are waiting for the model."
        case .peerUnavailable(let reason): "The model server cannot be reached: \(reason)."
        case .peerBusy(let status): "The model server is at capacity (HTTP \(status))."
        case .peerFailed(let reason): "The model server failed: \(reason)."
        }
    }
}
