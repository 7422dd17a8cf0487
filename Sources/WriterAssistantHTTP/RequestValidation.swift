import Foundation
import NIOCore
import Hummingbird
import WriterAssistantAPI

/// Reads and validates a JSON request body, turning every way it can be wrong into a 422 (or a
/// 413 for size) before any work or any stream starts.
struct RequestValidation {
    /// Largest body accepted, in bytes.
    var maxBodySize: Int
    /// What all bodies held at once may take.
    var bodyBudget: BodyBudget

    init(maxBodySize: Int, bodyBudget: BodyBudget? = nil) {
        self.maxBodySize = maxBodySize
        self.bodyBudget = bodyBudget ?? BodyBudget(limit: .max)
    }

    /// An operation's body, with the story the library holds in place of `structured_context`
    /// when the request names one.
    func decode<Operation: OperationRequest>(_: Operation.Type, body: Data, storyContext: StructuredContext?) throws -> Operation {
        do {
            return try Operation.decode(validating: body, storyContext: storyContext)
        } catch {
            throw ValidationFailure(issues: error.issues)
        }
    }

    /// Hands `use` the body of a request that must be JSON, within the size limit, while its bytes
    /// are reserved in the body budget: reading it and everything `use` does with it (decoding)
    /// count against what the server holds at once.
    func withJSONBody<T>(_ request: inout Request, _ use: (Data) async throws -> T) async throws -> T {
        try requireJSONContentType(request)
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > maxBodySize { throw tooLarge }
        return try await bodyBudget.withReservation(of: max(declared ?? maxBodySize, 1)) {
            try await use(Data(try await collectBody(&request).readableBytesView))
        }
    }

    /// A JSON body of any other shape, each way it can be wrong a 422 located at its field.
    func decode<Body: Decodable>(_: Body.Type, from request: inout Request, validate: (Body) -> [ValidationIssue]) async throws -> Body {
        try await withJSONBody(&request) { body in try decode(Body.self, body: body, validate: validate) }
    }

    private func decode<Body: Decodable>(_: Body.Type, body: Data, validate: (Body) -> [ValidationIssue]) throws -> Body {
        guard String(validating: body, as: UTF8.self) != nil else {
            throw ValidationFailure(issues: [ValidationIssue(loc: ["body"], msg: "The request body is not valid UTF-8", type: "json_invalid")])
        }
        let decoded: Body
        do {
            decoded = try JSONDecoder().decode(Body.self, from: body)
        } catch let error as DecodingError {
            throw ValidationFailure(issues: [ValidationIssue(error)])
        }
        let issues = validate(decoded)
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        return decoded
    }

    /// A web page can send `text/plain` or a form across origins without asking first (no CORS
    /// preflight), so only a body declared as JSON, which a page cannot send cross-origin without
    /// the server's consent, may start a generation.
    private func requireJSONContentType(_ request: Request) throws {
        let mediaType = request.headers[.contentType]?
            .split(separator: ";", maxSplits: 1).first?
            .trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/json" else {
            throw APIError(
                status: .unsupportedMediaType, code: .unsupportedMediaType,
                message: "Send the request body as JSON with the header Content-Type: application/json "
                    + "(got \(request.headers[.contentType].map { "'\($0)'" } ?? "none")).")
        }
    }

    /// Collects the body with the mutating API: the non-mutating one leaves the inbound stream in a
    /// state that crashes the server when a streaming client later disconnects.
    private func collectBody(_ request: inout Request) async throws -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: maxBodySize)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }

    private var tooLarge: APIError {
        APIError(
            status: .contentTooLarge, code: .payloadTooLarge,
            message: "The request body is larger than the \(maxBodySize) bytes this server accepts.")
    }
}

/// A request that does not match the API's schema: HTTP 422 with FastAPI's body shape.
struct ValidationFailure: HTTPResponseError {
    var issues: [ValidationIssue]
    var status: HTTPResponse.Status { .unprocessableContent }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try .json(ValidationErrorResponse(detail: issues), status: status)
    }
}
