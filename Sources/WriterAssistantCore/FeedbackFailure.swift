public import WriterAssistantAPI

/// A failure a client is told about, with words for a person and a code for a program.
public struct FeedbackFailure: Error, Sendable, Equatable {
    public var code: ErrorCode
    public var message: String

    public init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public static let modelNotConfigured = FeedbackFailure(
        .llmNotAvailable, "LLM not initialized. Start server with --model-path")

    public static func modelLoading(_ name: String) -> FeedbackFailure {
        FeedbackFailure(.llmLoading, "The model \(name) is still loading. Try again in a moment.")
    }

    public static func modelFailedToLoad(_ name: String, reason: String) -> FeedbackFailure {
        FeedbackFailure(.llmNotAvailable, "The model \(name) could not be loaded: \(reason)")
    }

    public static func timedOut(after limit: Duration, answerName: String) -> FeedbackFailure {
        FeedbackFailure(
            .generationTimeout,
            "The model did not finish the \(answerName) within \(limit.components.seconds) seconds.")
    }

    /// The failure as a writer who does not run the server is told it: the model's own failures
    /// in fixed words, without paths, addresses or what a model server said (which the log keeps).
    public func withoutModelDetails(answerName: String) -> FeedbackFailure {
        switch code {
        case .llmNotAvailable: FeedbackFailure(code, Self.modelUnavailableMessage)
        case .llmLoading: FeedbackFailure(code, "The model is still loading. Try again in a moment.")
        case .generationFailed: FeedbackFailure(code, "The model failed while writing the \(answerName).")
        default: self
        }
    }

    /// Why the model cannot answer, for clients that are not told the details.
    public static let modelUnavailableMessage = "The model is not available at the moment; the server's log says why."
}
