/// The body of `GET /api/v1/search?q=…`: the best places of the writer's stories for the query,
/// best first.
public struct LibrarySearchResults: Codable, Sendable, Equatable {
    public var query: String
    public var hits: [LibrarySearchHit]

    public init(query: String, hits: [LibrarySearchHit]) {
        self.query = query
        self.hits = hits
    }
}

public struct LibrarySearchHit: Codable, Sendable, Equatable {
    public enum Place: String, Codable, Sendable {
        case chapter, worldbuilding, storySummary, character, plotOutline
    }

    public var storyId: String
    public var title: String
    /// Which part of the story matched.
    public var place: Place
    /// The chapter's number, for a chapter.
    public var chapter: Int?
    /// The chapter's title or the character's name.
    public var name: String?
    /// A few words around the match, as plain text.
    public var snippet: String
    /// The snippet again, cut where the matched words begin and end, so a client can highlight
    /// them without parsing markup.
    public var fragments: [SnippetFragment]
    /// The hit's place in the ranking as a score: 1 for the best, then ½, ⅓…
    public var score: Double

    public init(
        storyId: String, title: String, place: Place, chapter: Int?, name: String?, snippet: String, fragments: [SnippetFragment], score: Double
    ) {
        self.storyId = storyId
        self.title = title
        self.place = place
        self.chapter = chapter
        self.name = name
        self.snippet = snippet
        self.fragments = fragments
        self.score = score
    }
}

public struct SnippetFragment: Codable, Sendable, Equatable {
    public var text: String
    public var match: Bool

    public init(text: String, match: Bool) {
        self.text = text
        self.match = match
    }
}
