package import WriterAssistantAPI

/// A failure a client is told about, with words for a person and a code for a program.
package struct OperationFailure: Error, Sendable, Equatable {
    package var code: ErrorCode
    package var message: String

    package init(_ code: ErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    package static let modelNotConfigured = OperationFailure(
        .llmNotAvailable, "LLM not initialized. Start server with --model-path")

    package static func modelLoading(_ name: String) -> OperationFailure {
        OperationFailure(.llmLoading, "The model \(name) is still loading. Try again in a moment.")
    }

    package static func modelFailedToLoad(_ name: String, reason: String) -> OperationFailure {
        OperationFailure(.llmNotAvailable, "The model \(name) could not be loaded: \(reason)")
    }

    package static func timedOut(after limit: Duration, answerName: String) -> OperationFailure {
        OperationFailure(
            .generationTimeout,
            "The model did not finish the \(answerName) within \(limit.components.seconds) seconds.")
    }

    /// The failure as a writer who does not run the server is told it: the model's own failures
    /// in fixed words, without paths, addresses or what a model server said (which the log keeps).
    package func withoutModelDetails(answerName: String) -> OperationFailure {
        switch code {
        case .llmNotAvailable: OperationFailure(code, Self.modelUnavailableMessage)
        case .llmLoading: OperationFailure(code, "The model is still loading. Try again in a moment.")
        case .generationFailed: OperationFailure(code, "The model failed while writing the \(answerName).")
        default: self
        }
    }

    /// Why the model cannot answer, for clients that are not told the details.
    package static let modelUnavailableMessage = "The model is not available at the moment; the server's log says why."
}
