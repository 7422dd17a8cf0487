/// Machine-readable failure reasons, shared by stream error events and HTTP error bodies.
public struct ErrorCode: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let llmNotAvailable = ErrorCode(rawValue: "LLM_NOT_AVAILABLE")
    public static let llmLoading = ErrorCode(rawValue: "LLM_LOADING")
    public static let contextProcessingError = ErrorCode(rawValue: "CONTEXT_PROCESSING_ERROR")
    public static let generationFailed = ErrorCode(rawValue: "GENERATION_FAILED")
    public static let generationTimeout = ErrorCode(rawValue: "GENERATION_TIMEOUT")
    public static let parsingError = ErrorCode(rawValue: "PARSING_ERROR")
    /// The answer reached the token limit before any suggestion was complete.
    public static let answerTruncated = ErrorCode(rawValue: "ANSWER_TRUNCATED")
    public static let serverBusy = ErrorCode(rawValue: "SERVER_BUSY")
    public static let payloadTooLarge = ErrorCode(rawValue: "PAYLOAD_TOO_LARGE")
    /// The request body was not declared as `application/json`.
    public static let unsupportedMediaType = ErrorCode(rawValue: "UNSUPPORTED_MEDIA_TYPE")
    /// The request named a host this server does not answer to.
    public static let hostNotAllowed = ErrorCode(rawValue: "HOST_NOT_ALLOWED")
    /// The server needs an API key and the request carried no valid one.
    public static let unauthorized = ErrorCode(rawValue: "UNAUTHORIZED")
    /// The server stopped before the answer was finished.
    public static let serverShuttingDown = ErrorCode(rawValue: "SERVER_SHUTTING_DOWN")
    /// The library cannot keep or read stories right now (not opened, disk full, read-only).
    public static let libraryNotAvailable = ErrorCode(rawValue: "LIBRARY_NOT_AVAILABLE")
    /// No story of this writer has the id, or it has no such version.
    public static let storyNotFound = ErrorCode(rawValue: "STORY_NOT_FOUND")
    /// The story has no conversation of that name.
    public static let conversationNotFound = ErrorCode(rawValue: "CONVERSATION_NOT_FOUND")
    /// The story was saved since the version the request names (`If-Match`).
    public static let versionConflict = ErrorCode(rawValue: "VERSION_CONFLICT")
    /// A browser asked a library route from another site's page.
    public static let originNotAllowed = ErrorCode(rawValue: "ORIGIN_NOT_ALLOWED")
    /// The story is in the trash and must be restored before it is changed or used.
    public static let storyInTrash = ErrorCode(rawValue: "STORY_IN_TRASH")

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// Body of a non-validation HTTP error: `{"detail": message, "error_code": code}`.
public struct ErrorResponse: Codable, Sendable, Equatable {
    public var detail: String
    public var errorCode: ErrorCode

    public init(detail: String, errorCode: ErrorCode) {
        self.detail = detail
        self.errorCode = errorCode
    }

    enum CodingKeys: String, CodingKey {
        case detail
        case errorCode = "error_code"
    }
}

/// Body of an HTTP 422, shaped like FastAPI's so clients of the original keep working.
public struct ValidationErrorResponse: Codable, Sendable, Equatable {
    public var detail: [ValidationIssue]

    public init(detail: [ValidationIssue]) {
        self.detail = detail
    }
}

public struct ValidationIssue: Codable, Sendable, Equatable {
    /// Where the problem is, starting with "body"; array indices are integers.
    public var loc: [LocationComponent]
    public var msg: String
    public var type: String

    public init(loc: [LocationComponent], msg: String, type: String) {
        self.loc = loc
        self.msg = msg
        self.type = type
    }
}

public enum LocationComponent: Codable, Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case key(String)
    case index(Int)

    public init(stringLiteral value: String) { self = .key(value) }
    public init(integerLiteral value: Int) { self = .index(value) }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let index = try? container.decode(Int.self) {
            self = .index(index)
        } else {
            self = .key(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .key(let key): try container.encode(key)
        case .index(let index): try container.encode(index)
        }
    }
}
