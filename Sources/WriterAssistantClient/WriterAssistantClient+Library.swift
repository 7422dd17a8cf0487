public import Foundation
import AsyncHTTPClient
import NIOCore
import NIOHTTP1
public import WriterAssistantAPI

/// The writer's library: stories kept by the server, their versions and answers, and search.
extension WriterAssistantClient {
    /// `GET /api/v1/stories`: the writer's stories, most recently saved first (or the trash's).
    public func stories(trash: Bool = false) async throws -> [StoryListing] {
        try await call(.GET, "/api/v1/stories" + (trash ? "?trash=true" : ""), as: StoryList.self).stories
    }

    /// `POST /api/v1/stories`: a new story, at version 1.
    public func createStory(_ document: StoryDocument) async throws -> StoredStory {
        try await call(.POST, "/api/v1/stories", body: document, expecting: .created, as: StoredStory.self)
    }

    /// `GET /api/v1/stories/{id}`, or one of its versions.
    public func story(_ id: String, version: Int? = nil) async throws -> StoredStory {
        try await call(.GET, version.map { "/api/v1/stories/\(Self.segment(id))/versions/\($0)" } ?? "/api/v1/stories/\(Self.segment(id))", as: StoredStory.self)
    }

    /// `PUT /api/v1/stories/{id}`: saves the next version. With `expectedVersion`, a story saved
    /// since is left alone and the call fails with `VERSION_CONFLICT`.
    public func saveStory(_ id: String, _ document: StoryDocument, expectedVersion: Int? = nil) async throws -> StoredStory {
        try await call(
            .PUT, "/api/v1/stories/\(Self.segment(id))", body: document, headers: expectedVersion.map { [("If-Match", "\"v\($0)\"")] } ?? [],
            as: StoredStory.self)
    }

    /// `DELETE /api/v1/stories/{id}`: into the trash.
    public func trashStory(_ id: String) async throws -> StoryListing {
        try await call(.DELETE, "/api/v1/stories/\(Self.segment(id))", as: StoryListing.self)
    }

    /// `POST /api/v1/stories/{id}/restore`: back from the trash.
    public func restoreStory(_ id: String) async throws -> StoryListing {
        try await call(.POST, "/api/v1/stories/\(Self.segment(id))/restore", as: StoryListing.self)
    }

    /// `GET /api/v1/stories/{id}/versions`, newest first: at most `limit`, older than `before`.
    public func versions(of id: String, limit: Int = 100, before: Int? = nil) async throws -> [StoryVersionInfo] {
        let page = "?limit=\(limit)" + (before.map { "&before=\($0)" } ?? "")
        return try await call(.GET, "/api/v1/stories/\(Self.segment(id))/versions" + page, as: StoryVersionList.self).versions
    }

    /// `POST /api/v1/stories/{id}/versions/{version}/restore`: that version again, as the newest.
    public func restoreVersion(_ version: Int, of id: String) async throws -> StoredStory {
        try await call(.POST, "/api/v1/stories/\(Self.segment(id))/versions/\(version)/restore", as: StoredStory.self)
    }

    /// `GET /api/v1/stories/{id}/answers`, newest first.
    public func answers(of id: String, operation: String? = nil, chapter: Int? = nil, rater: String? = nil) async throws -> [StoredAnswer] {
        var query = URLComponents()
        query.queryItems = [
            operation.map { URLQueryItem(name: "operation", value: $0) }, chapter.map { URLQueryItem(name: "chapter", value: String($0)) },
            rater.map { URLQueryItem(name: "rater", value: $0) },
        ].compactMap { $0 }
        let suffix = query.queryItems?.isEmpty == false ? "?" + (query.percentEncodedQuery ?? "") : ""
        return try await call(.GET, "/api/v1/stories/\(Self.segment(id))/answers" + suffix, as: StoredAnswerList.self).answers
    }

    /// `GET /api/v1/stories/{id}/conversations`: the story's chat conversations, the latest first.
    public func conversations(of id: String) async throws -> [ConversationListing] {
        try await call(.GET, "/api/v1/stories/\(Self.segment(id))/conversations", as: ConversationList.self).conversations
    }

    /// `GET /api/v1/stories/{id}/conversations/{conversation}`: every turn of one, to continue it.
    public func conversation(_ conversation: String, of id: String) async throws -> StoredConversation {
        try await call(.GET, "/api/v1/stories/\(Self.segment(id))/conversations/\(Self.segment(conversation))", as: StoredConversation.self)
    }

    /// `DELETE /api/v1/stories/{id}/conversations/{conversation}`.
    public func deleteConversation(_ conversation: String, of id: String) async throws {
        _ = try await raw(
            .DELETE, "/api/v1/stories/\(Self.segment(id))/conversations/\(Self.segment(conversation))", body: nil, headers: [],
            expecting: .noContent)
    }

    /// `GET /api/v1/stories/{id}/export`: the story as a Markdown manuscript or as JSON that
    /// `createStory` takes back.
    public func exportStory(_ id: String, markdown: Bool) async throws -> Data {
        try await raw(.GET, "/api/v1/stories/\(Self.segment(id))/export?format=\(markdown ? "markdown" : "json")", body: nil, headers: [], expecting: .ok)
    }

    /// `GET /api/v1/search`: the best places of the writer's stories for `query`.
    public func search(_ query: String, limit: Int = 20) async throws -> [LibrarySearchHit] {
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "q", value: query), URLQueryItem(name: "limit", value: String(limit))]
        return try await call(.GET, "/api/v1/search?" + (components.percentEncodedQuery ?? ""), as: LibrarySearchResults.self).hits
    }

    /// `POST /api/v1/archive/search`: the same search, the query sent in a body.
    public func searchArchive(_ query: String, limit: Int? = nil) async throws -> [LibrarySearchHit] {
        try await call(.POST, "/api/v1/archive/search", body: ArchiveSearchRequest(query: query, limit: limit), as: LibrarySearchResults.self).hits
    }

    /// An id as one path segment, whatever it holds.
    private static func segment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-"))) ?? id
    }
}
