/// The body of `POST /api/v1/modify-chapter`: a chapter revised as the writer asks in words.
public struct ModifyChapterRequest: OperationRequest {
    public typealias Result = ModifyChapterResult
    public static let operationName = "modify-chapter"
    public static let worksOnAStoredChapter = true

    public var currentChapter: String
    public var userRequest: String
    public var structuredContext: StructuredContext?

    public init(currentChapter: String, userRequest: String, structuredContext: StructuredContext? = nil) {
        self.currentChapter = currentChapter
        self.userRequest = userRequest
        self.structuredContext = structuredContext
    }

    public mutating func validate() -> [ValidationIssue] {
        Self.requireText([("currentChapter", currentChapter), ("userRequest", userRequest)])
    }

    enum CodingKeys: String, CodingKey {
        case currentChapter, userRequest
        case structuredContext = "structured_context"
    }
}

public struct ModifyChapterResult: OperationResult {
    public var modifiedChapter: String
    public var wordCount: Int
    public var changesSummary: String
    public var contextMetadata: ContextMetadata

    public init(modifiedChapter: String, wordCount: Int, changesSummary: String, contextMetadata: ContextMetadata) {
        self.modifiedChapter = modifiedChapter
        self.wordCount = wordCount
        self.changesSummary = changesSummary
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case modifiedChapter, wordCount, changesSummary
        case contextMetadata = "context_metadata"
    }
}
