/// The body of `POST /api/v1/editor-review`: an editor's review of one chapter.
public struct EditorReviewRequest: OperationRequest {
    public typealias Result = EditorReviewResult
    public static let operationName = "editor-review"
    public static let worksOnAStoredChapter = true

    public var chapterToReview: String
    public var structuredContext: StructuredContext?

    public init(chapterToReview: String, structuredContext: StructuredContext? = nil) {
        self.chapterToReview = chapterToReview
        self.structuredContext = structuredContext
    }

    public mutating func validate() -> [ValidationIssue] {
        Self.requireText([("chapterToReview", chapterToReview)])
    }

    enum CodingKeys: String, CodingKey {
        case chapterToReview
        case structuredContext = "structured_context"
    }
}

public struct EditorReviewResult: OperationResult {
    /// Most important first.
    public var suggestions: [EditorSuggestion]
    public var contextMetadata: ContextMetadata

    public init(suggestions: [EditorSuggestion], contextMetadata: ContextMetadata) {
        self.suggestions = suggestions
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case suggestions
        case contextMetadata = "context_metadata"
    }
}

public struct EditorSuggestion: Codable, Sendable, Equatable {
    public enum Priority: String, Codable, Sendable, CaseIterable, Comparable {
        case high, medium, low

        public static func < (lhs: Priority, rhs: Priority) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }

    /// What is wrong, quoting or locating the passage.
    public var issue: String
    public var suggestion: String
    public var priority: Priority

    public init(issue: String, suggestion: String, priority: Priority) {
        self.issue = issue
        self.suggestion = suggestion
        self.priority = priority
    }
}
