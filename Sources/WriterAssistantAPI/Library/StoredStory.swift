/// A story as the library holds it: the writer's document and what the server keeps about it.
public struct StoredStory: Codable, Sendable, Equatable {
    public var id: String
    /// Each save makes the next version; the first is 1.
    public var version: Int
    public var createdAt: String
    public var updatedAt: String
    /// When it was moved to the trash; nil while it is in the library.
    public var deletedAt: String?
    public var wordCount: Int
    public var document: StoryDocument

    public init(id: String, version: Int, createdAt: String, updatedAt: String, deletedAt: String? = nil, wordCount: Int, document: StoryDocument) {
        self.id = id
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
        self.wordCount = wordCount
        self.document = document
    }

    enum CodingKeys: String, CodingKey {
        case id, version, createdAt, updatedAt, deletedAt, wordCount
    }

    // Flat on the wire: the document's fields beside the server's, so that what `GET` returns can
    // be sent back to `PUT` as it is.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        version = try container.decode(Int.self, forKey: .version)
        createdAt = try container.decode(String.self, forKey: .createdAt)
        updatedAt = try container.decode(String.self, forKey: .updatedAt)
        deletedAt = try container.decodeIfPresent(String.self, forKey: .deletedAt)
        wordCount = try container.decode(Int.self, forKey: .wordCount)
        document = try StoryDocument(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(version, forKey: .version)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(updatedAt, forKey: .updatedAt)
        try container.encodeIfPresent(deletedAt, forKey: .deletedAt)
        try container.encode(wordCount, forKey: .wordCount)
        try document.encode(to: encoder)
    }
}

/// A line of `GET /api/v1/stories`.
public struct StoryListing: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var version: Int
    public var createdAt: String
    public var updatedAt: String
    public var deletedAt: String?
    public var wordCount: Int

    public init(id: String, title: String, version: Int, createdAt: String, updatedAt: String, deletedAt: String? = nil, wordCount: Int) {
        self.id = id
        self.title = title
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deletedAt = deletedAt
        self.wordCount = wordCount
    }
}

/// The body of `GET /api/v1/stories`.
public struct StoryList: Codable, Sendable, Equatable {
    public var stories: [StoryListing]

    public init(stories: [StoryListing]) {
        self.stories = stories
    }
}
