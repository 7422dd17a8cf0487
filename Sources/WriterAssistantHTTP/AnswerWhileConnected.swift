import Hummingbird
import Logging
import WriterAssistantAPI
import WriterAssistantCore

/// `work`'s value as a JSON response, the work cancelled if the client closes its side first.
///
/// Watching the inbound side is what notices a client that gave up waiting, so abandoned work
/// does not go on holding a slot or the tokenizer. The watch ends the connection with the
/// response, which therefore says so, or a client would reuse it. A failure is answered with its
/// code and logged as `failure` when given (the pipeline logs its operations' own).
func answerWhileConnected<Value: Encodable & Sendable>(
    _ request: Request, logger: Logger, logging failure: Logger.Message? = nil,
    _ work: @escaping @Sendable () async throws -> Value
) async throws -> Response {
    do {
        let value = try await request.body.consumeWithCancellationOnInboundClose { _ in try await work() }
        return try .json(value, headers: [.connection: "close"])
    } catch let error as OperationFailure {
        if let failure {
            logger.log(level: error.code == .generationFailed ? .error : .notice, failure, metadata: [
                "error_code": "\(error.code)", "reason": "\(error.message)",
            ])
        }
        var answer = APIError(error)
        answer.headers[.connection] = "close"
        throw answer
    }
}
