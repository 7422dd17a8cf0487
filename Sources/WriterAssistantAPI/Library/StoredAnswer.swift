/// An operation's answer on a stored story, as the story's history keeps it.
public struct StoredAnswer: Codable, Sendable, Equatable {
    public var id: String
    public var storyId: String
    /// The version of the story the operation read.
    public var version: Int
    /// The operation's path: `rater-feedback`, `editor-review`…
    public var operation: String
    /// The chapter the answer is about, when the request named one (or, for a new chapter, the
    /// number it would take).
    public var chapter: Int?
    /// Who answered: the rater's name, or the character's.
    public var rater: String?
    public var model: String
    public var createdAt: String
    /// Seconds from the request to its result.
    public var processingTime: Double
    /// The request as sent, without the story it read (that is `version`).
    public var request: JSONValue
    /// The result as the client received it.
    public var result: JSONValue

    public init(
        id: String, storyId: String, version: Int, operation: String, chapter: Int?, rater: String?, model: String, createdAt: String,
        processingTime: Double, request: JSONValue, result: JSONValue
    ) {
        self.id = id
        self.storyId = storyId
        self.version = version
        self.operation = operation
        self.chapter = chapter
        self.rater = rater
        self.model = model
        self.createdAt = createdAt
        self.processingTime = processingTime
        self.request = request
        self.result = result
    }
}

/// The body of `GET /api/v1/stories/{id}/answers`, newest first.
public struct StoredAnswerList: Codable, Sendable, Equatable {
    public var answers: [StoredAnswer]

    public init(answers: [StoredAnswer]) {
        self.answers = answers
    }
}
