import Hummingbird
import WriterAssistantAPI
import WriterAssistantCore

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
    init(_ failure: FeedbackFailure) {
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

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try .json(ErrorResponse(detail: message, errorCode: code), status: status, headers: headers)
    }
}
