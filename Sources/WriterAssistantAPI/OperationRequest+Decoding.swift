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
        try decode(validating: body, storyContext: nil)
    }

    /// Reads a request on a stored story: `storyContext`, the story the library holds, takes the
    /// place of `structured_context`, which the body must then leave out.
    public static func decode(validating body: Data, storyContext: StructuredContext?) throws(RequestRejection) -> Self {
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
        if let storyContext {
            guard decoded.structuredContext == nil else {
                throw RequestRejection(issues: [ValidationIssue(
                    loc: ["body", "structured_context"], msg: "Give either storyId or structured_context, not both", type: "value_error")])
            }
            decoded.structuredContext = storyContext
        }
        // A stored story was bounded when it was saved; one in the body is bounded here, before
        // anything (trimming it to the model's window) works through its lists.
        let bounds = storyContext == nil ? decoded.structuredContext?.boundIssues(at: ["body", "structured_context"]) ?? [] : []
        let issues = bounds + decoded.validate()
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

/// The part of an operation's body that names a stored story: `storyId` in place of
/// `structured_context`, and the chapter the request is about, for the story's history.
public struct StoryReference: Decodable, Sendable, Equatable {
    public var storyId: String?
    public var chapter: Int?

    /// The reference in `body`, if any. Only a wrongly typed field is refused here; a body that is
    /// not a JSON object is left for the operation's own decoding to refuse.
    public static func decode(_ body: Data) throws(RequestRejection) -> StoryReference {
        do {
            return try JSONDecoder().decode(StoryReference.self, from: body)
        } catch let error as DecodingError {
            // A field of the reference that is there but wrong (a number for the id, 1.5 for the
            // chapter) is refused; a body that is no object at all is not this reader's to refuse.
            guard Self.path(of: error).isEmpty else { throw RequestRejection(issues: [ValidationIssue(error)]) }
            return StoryReference()
        } catch {
            return StoryReference()
        }
    }

    public init(storyId: String? = nil, chapter: Int? = nil) {
        self.storyId = storyId
        self.chapter = chapter
    }

    private static func path(of error: DecodingError) -> [any CodingKey] {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath
        @unknown default:
            []
        }
    }
}
