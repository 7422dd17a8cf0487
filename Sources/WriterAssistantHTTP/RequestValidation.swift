import Foundation
import NIOCore
import Hummingbird
import WriterAssistantAPI

/// Reads and validates a JSON request body, turning every way it can be wrong into a 422 (or a
/// 413 for size) before any work or any stream starts.
struct RequestValidation {
    /// Largest body accepted, in bytes.
    var maxBodySize: Int

    func decodeFeedbackRequest(_ request: inout Request) async throws -> RaterFeedbackRequest {
        try requireJSONContentType(request)
        let body = try await collectBody(&request)
        var decoded: RaterFeedbackRequest = try decode(body)
        var issues: [ValidationIssue] = []
        for (field, value) in [("raterPrompt", decoded.raterPrompt), ("plotPoint", decoded.plotPoint)]
        where value.allSatisfy(\.isWhitespace) {
            issues.append(ValidationIssue(
                loc: ["body", .key(field)], msg: "String should have at least 1 character", type: "string_too_short"))
        }
        guard issues.isEmpty else { throw ValidationFailure(issues: issues) }
        decoded.raterName = decoded.raterName.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
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
            throw APIError(
                status: .contentTooLarge, code: .payloadTooLarge,
                message: "The request body is larger than the \(maxBodySize) bytes this server accepts.")
        }
    }

    private func decode<T: Decodable>(_ body: ByteBuffer) throws -> T {
        let bytes = Data(body.readableBytesView)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ValidationFailure(issues: [
                ValidationIssue(loc: ["body"], msg: "The request body is not valid UTF-8", type: "json_invalid")
            ])
        }
        do {
            return try JSONDecoder().decode(T.self, from: bytes)
        } catch let error as DecodingError {
            throw ValidationFailure(issues: [ValidationIssue(error)])
        }
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

extension ValidationIssue {
    init(_ error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(loc: Self.location(context.codingPath + [key]), msg: "Field required", type: "missing")
        case .valueNotFound(let type, let context), .typeMismatch(let type, let context):
            let (msg, kind) = Self.expectation(type, atRoot: context.codingPath.isEmpty)
            self.init(loc: Self.location(context.codingPath), msg: msg, type: kind)
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let reason = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            self.init(
                loc: ["body"], msg: "JSON decode error" + (reason.map { ": \($0)" } ?? ""), type: "json_invalid")
        case .dataCorrupted(let context):
            self.init(loc: Self.location(context.codingPath), msg: context.debugDescription, type: "value_error")
        @unknown default:
            self.init(loc: ["body"], msg: "Invalid request body", type: "value_error")
        }
    }

    private static func location(_ path: [any CodingKey]) -> [LocationComponent] {
        ["body"] + path.map { key in key.intValue.map(LocationComponent.index) ?? .key(key.stringValue) }
    }

    private static func expectation(_ type: Any.Type, atRoot: Bool) -> (msg: String, type: String) {
        if atRoot {
            return ("Input should be a valid dictionary or object to extract fields from", "model_attributes_type")
        }
        switch type {
        case is String.Type: return ("Input should be a valid string", "string_type")
        case is Int.Type: return ("Input should be a valid integer", "int_type")
        case is Double.Type: return ("Input should be a valid number", "float_type")
        case is Bool.Type: return ("Input should be a valid boolean", "bool_type")
        case is [Any].Type: return ("Input should be a valid list", "list_type")
        default: return ("Input should be a valid dictionary", "dict_type")
        }
    }
}
