/// The body of `POST /api/v1/generate-chapter`: the next chapter, written from a plot point.
public struct GenerateChapterRequest: OperationRequest {
    public typealias Result = GenerateChapterResult
    public static let operationName = "generate-chapter"
    /// The lengths a request may ask for, in words.
    public static let targetWordRange = 50...5_000

    public var plotPoint: String
    public var structuredContext: StructuredContext?
    /// About how long the chapter should be; the server's chapter token limit bounds it.
    public var targetWords: Int?

    /// The number the new chapter would take: one past the story's last.
    public var historyChapter: Int? {
        let chapters = structuredContext?.previousChapters ?? []
        return (chapters.enumerated().map { $0.element.number ?? $0.offset + 1 }.max() ?? 0) + 1
    }

    public init(plotPoint: String, structuredContext: StructuredContext? = nil, targetWords: Int? = nil) {
        self.plotPoint = plotPoint
        self.structuredContext = structuredContext
        self.targetWords = targetWords
    }

    public mutating func validate() -> [ValidationIssue] {
        var issues = Self.requireText([("plotPoint", plotPoint)])
        if let targetWords, !Self.targetWordRange.contains(targetWords) {
            issues.append(ValidationIssue(
                loc: ["body", "targetWords"],
                msg: "Input should be from \(Self.targetWordRange.lowerBound) to \(Self.targetWordRange.upperBound)",
                type: "value_error"))
        }
        return issues
    }

    enum CodingKeys: String, CodingKey {
        case plotPoint, targetWords
        case structuredContext = "structured_context"
    }
}

public struct GenerateChapterResult: OperationResult {
    public var chapterText: String
    public var wordCount: Int
    public var contextMetadata: ContextMetadata

    public init(chapterText: String, wordCount: Int, contextMetadata: ContextMetadata) {
        self.chapterText = chapterText
        self.wordCount = wordCount
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case chapterText, wordCount
        case contextMetadata = "context_metadata"
    }
}
