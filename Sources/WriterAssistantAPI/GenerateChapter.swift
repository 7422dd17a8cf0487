/// The body of `POST /api/v1/generate-chapter`: the next chapter, written from a plot point.
public struct GenerateChapterRequest: OperationRequest {
    public typealias Result = GenerateChapterResult
    public static let operationName = "generate-chapter"
    /// The lengths a request may ask for, in words.
    public static let targetWordRange = 50...5_000
    /// How far a chapter may be from the length asked, as a share of it, and still be that length.
    public static let lengthTolerance = 0.25
    /// Asked for when the writer names no length.
    public static let defaultWords = 600

    /// The length asked, or the default.
    public var wordsAsked: Int { targetWords ?? Self.defaultWords }

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
        Self.requireText([("plotPoint", plotPoint)])
            + [ValidationIssue.outside(Self.targetWordRange, targetWords, at: ["body", "targetWords"])].compactMap { $0 }
    }

    enum CodingKeys: String, CodingKey {
        case plotPoint, targetWords
        case structuredContext = "structured_context"
    }
}

public struct GenerateChapterResult: OperationResult {
    public var chapterText: String
    public var wordCount: Int
    /// How the chapter's length compares with the length asked; nil only from servers before it.
    public var length: ChapterLength?
    public var contextMetadata: ContextMetadata

    public init(chapterText: String, wordCount: Int, length: ChapterLength? = nil, contextMetadata: ContextMetadata) {
        self.chapterText = chapterText
        self.wordCount = wordCount
        self.length = length
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case chapterText, wordCount, length
        case contextMetadata = "context_metadata"
    }
}

/// A generated chapter's length against the length asked: the words asked, the range the
/// tolerance allows, whether the chapter is within it, and when it is not, why.
public struct ChapterLength: Codable, Sendable, Equatable {
    public var asked: Int
    public var minimum: Int
    public var maximum: Int
    public var withinTolerance: Bool
    /// Why the chapter is shorter or longer than the range, in a writer's words; nil within it.
    public var note: String?

    public init(asked: Int, minimum: Int, maximum: Int, withinTolerance: Bool, note: String? = nil) {
        self.asked = asked
        self.minimum = minimum
        self.maximum = maximum
        self.withinTolerance = withinTolerance
        self.note = note
    }
}
