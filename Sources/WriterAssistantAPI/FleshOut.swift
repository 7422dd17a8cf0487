/// The body of `POST /api/v1/flesh-out`: a sketchy passage written out in full.
public struct FleshOutRequest: OperationRequest {
    public typealias Result = FleshOutResult
    public static let operationName = "flesh-out"
    public static let worksOnAStoredChapter = true

    public var textToFleshOut: String
    /// What to add, or the text around the passage.
    public var context: String?
    public var structuredContext: StructuredContext?

    public init(textToFleshOut: String, context: String? = nil, structuredContext: StructuredContext? = nil) {
        self.textToFleshOut = textToFleshOut
        self.context = context
        self.structuredContext = structuredContext
    }

    public mutating func validate() -> [ValidationIssue] {
        context = context.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
        return Self.requireText([("textToFleshOut", textToFleshOut)])
    }

    enum CodingKeys: String, CodingKey {
        case textToFleshOut, context
        case structuredContext = "structured_context"
    }
}

public struct FleshOutResult: OperationResult {
    public var fleshedOutText: String
    public var originalText: String
    public var contextMetadata: ContextMetadata

    public init(fleshedOutText: String, originalText: String, contextMetadata: ContextMetadata) {
        self.fleshedOutText = fleshedOutText
        self.originalText = originalText
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case fleshedOutText, originalText
        case contextMetadata = "context_metadata"
    }
}
