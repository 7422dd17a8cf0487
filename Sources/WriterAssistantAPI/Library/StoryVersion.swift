/// One saved version of a story, as `GET /api/v1/stories/{id}/versions` lists it.
public struct StoryVersionInfo: Codable, Sendable, Equatable {
    public var version: Int
    public var createdAt: String
    public var title: String
    public var wordCount: Int
    /// What this version changed from the one before it; the first version adds everything.
    public var changes: [StoryChange]
    /// The version this one brought back, when it was made by restoring an older one.
    public var restoredFrom: Int?

    public init(version: Int, createdAt: String, title: String, wordCount: Int, changes: [StoryChange], restoredFrom: Int? = nil) {
        self.version = version
        self.createdAt = createdAt
        self.title = title
        self.wordCount = wordCount
        self.changes = changes
        self.restoredFrom = restoredFrom
    }
}

/// One part of a story that a version added, changed or removed.
public struct StoryChange: Codable, Sendable, Equatable, Hashable {
    public enum Part: String, Codable, Sendable {
        case title, plotPoint, raters, systemPrompts, worldbuilding, storySummary, plotContext, character, chapter
    }

    public enum Kind: String, Codable, Sendable {
        case added, changed, removed
    }

    public var part: Part
    public var change: Kind
    /// The chapter's number, for a chapter.
    public var chapter: Int?
    /// The character's name, or the chapter's title.
    public var name: String?

    public init(part: Part, change: Kind, chapter: Int? = nil, name: String? = nil) {
        self.part = part
        self.change = change
        self.chapter = chapter
        self.name = name
    }
}

/// The body of `GET /api/v1/stories/{id}/versions`.
public struct StoryVersionList: Codable, Sendable, Equatable {
    public var versions: [StoryVersionInfo]

    public init(versions: [StoryVersionInfo]) {
        self.versions = versions
    }
}

/// `GET /api/v1/stories/{id}/diff?from=A&to=B&chapter=N`: how a chapter's text changed between two
/// versions, as runs of kept, removed and added text that together spell both.
public struct ChapterDiff: Codable, Sendable, Equatable {
    public var chapter: Int
    public var from: Int
    public var to: Int
    public var fromWordCount: Int
    public var toWordCount: Int
    public var runs: [TextRun]

    public init(chapter: Int, from: Int, to: Int, fromWordCount: Int, toWordCount: Int, runs: [TextRun]) {
        self.chapter = chapter
        self.from = from
        self.to = to
        self.fromWordCount = fromWordCount
        self.toWordCount = toWordCount
        self.runs = runs
    }
}

/// A stretch of text that both versions share, or that only the older (`removed`) or the newer
/// (`added`) has.
public struct TextRun: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case same, removed, added
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }
}
