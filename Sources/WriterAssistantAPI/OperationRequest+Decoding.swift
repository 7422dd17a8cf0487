public import Foundation

/// A request body the API cannot accept, with every reason found, shaped like FastAPI's.
public struct RequestRejection: Error, Sendable, Equatable {
    public var issues: [ValidationIssue]

    public init(issues: [ValidationIssue]) {
        self.issues = issues
    }
}

extension OperationRequest {
    /// Reads a request body as the API defines it: UTF-8 JSON of this shape whose required
    /// strings are not blank. Any byte sequence gives a request or a rejection.
    public static func decode(validating body: Data) throws(RequestRejection) -> Self {
        guard String(validating: body, as: UTF8.self) != nil else {
            throw RequestRejection(issues: [
                ValidationIssue(loc: ["body"], msg: "The request body is not valid UTF-8", type: "json_invalid")
            ])
        }
        var decoded: Self
        do {
            decoded = try JSONDecoder().decode(Self.self, from: body)
        } catch let error as DecodingError {
            throw RequestRejection(issues: [ValidationIssue(error)])
        } catch {
            throw RequestRejection(issues: [ValidationIssue(loc: ["body"], msg: "Invalid request body", type: "value_error")])
        }
        let issues = decoded.validate()
        guard issues.isEmpty else { throw RequestRejection(issues: issues) }
        return decoded
    }
}

extension ValidationIssue {
    /// The issue a JSON decoding failure stands for, located and worded as FastAPI would.
    public init(_ error: DecodingError) {
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
