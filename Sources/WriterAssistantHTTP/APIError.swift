import Hummingbird
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLibrary

/// A failure answered with `{"detail": message, "error_code": code}`.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var code: ErrorCode
    var message: String
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, code: ErrorCode, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// The HTTP face of a pipeline failure on the synchronous endpoint.
    init(_ failure: OperationFailure) {
        var headers: HTTPFields = [:]
        let status: HTTPResponse.Status
        switch failure.code {
        case .llmNotAvailable, .llmLoading:
            status = .serviceUnavailable
        case .serverBusy:
            status = .serviceUnavailable
            headers[.retryAfter] = "5"
        case .serverShuttingDown:
            status = .serviceUnavailable
        case .generationTimeout:
            status = .gatewayTimeout
        case .contextProcessingError:
            status = .badRequest
        default:
            status = .internalServerError
        }
        self.init(status: status, code: failure.code, message: failure.message, headers: headers)
    }

    /// The HTTP face of a library failure (a conflict has its own, which carries the story).
    init(_ failure: LibraryFailure) {
        switch failure {
        case .notFound(let message):
            self.init(status: .notFound, code: .storyNotFound, message: message)
        case .conversationNotFound(let message):
            self.init(status: .notFound, code: .conversationNotFound, message: message)
        case .versionConflict(let current):
            self.init(
                status: .preconditionFailed, code: .versionConflict,
                message: "The story was saved since (it is at version \(current.version)); read it again and choose what to keep.")
        case .inTrash:
            self.init(status: .conflict, code: .storyInTrash, message: "The story is in the trash: restore it first.")
        case .corrupt(let reason):
            self.init(status: .internalServerError, code: .libraryNotAvailable, message: "The library cannot read this story: \(reason).")
        case .unavailable(let reason):
            self.init(status: .serviceUnavailable, code: .libraryNotAvailable, message: "The library is not available: \(reason).")
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try .json(ErrorResponse(detail: message, errorCode: code), status: status, headers: headers)
    }
}
