import Foundation
import HTTPTypes
import Hummingbird
import WriterAssistantAPI
import WriterAssistantLibrary

/// The writer's library over HTTP: stories, their versions, their answers, export and search.
/// Every route sees only the stories of the request's writer.
struct LibraryController {
    typealias Context = ServerRequestContext

    let host: LibraryHost
    let validation: RequestValidation
    let allowedOrigins: [String]
    /// Asks for the summaries a story saved will want; nil where summaries are off.
    var summaries: SummaryAnticipation? = nil

    func addRoutes(to group: RouterGroup<Context>) {
        let api = group.group().add(middleware: CrossSiteGuard<Context>(allowedOrigins: allowedOrigins))
        api.get("stories", use: list)
        api.post("stories", use: create)
        api.get("stories/:id", use: read)
        api.put("stories/:id", use: update)
        api.delete("stories/:id", use: trash)
        api.post("stories/:id/restore", use: untrash)
        api.delete("trash", use: emptyTrash)
        api.get("stories/:id/versions", use: versions)
        api.get("stories/:id/versions/:version", use: version)
        api.post("stories/:id/versions/:version/restore", use: restoreVersion)
        api.get("stories/:id/diff", use: diff)
        api.get("stories/:id/answers", use: answers)
        api.get("stories/:id/conversations", use: conversations)
        api.get("stories/:id/conversations/:conversation", use: conversation)
        api.delete("stories/:id/conversations/:conversation", use: deleteConversation)
        api.get("stories/:id/export", use: export)
        api.get("search", use: search)
        api.post("archive/search", use: archiveSearch)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let trash = FormQuery(request.uri).isSet("trash")
        return try .json(StoryList(stories: try await using { library throws(LibraryFailure) in try await library.list(writer: context.writer, trash: trash) }))
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let document = try await validation.decode(StoryDocument.self, from: &request) { $0.validate() }
        let story = try await using { library throws(LibraryFailure) in try await library.create(document, writer: context.writer) }
        await saved(story, context: context)
        var headers = Self.etag(story)
        headers[.location] = "/api/v1/stories/\(story.id)"
        return try .json(story, status: .created, headers: headers)
    }

    @Sendable func read(_ request: Request, context: Context) async throws -> Response {
        let story = try await using { library throws(LibraryFailure) in try await library.story(try Self.id(context), writer: context.writer) }
        return try .json(story, headers: Self.etag(story))
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let expected = request.headers[.ifMatch].flatMap(Self.version(ifMatch:))
        let document = try await validation.decode(StoryDocument.self, from: &request) { $0.validate() }
        let id = try Self.id(context)
        let story = try await using { library throws(LibraryFailure) in
            try await library.update(id, writer: context.writer, document: document, expectedVersion: expected)
        }
        await saved(story, context: context)
        return try .json(story, headers: Self.etag(story))
    }

    @Sendable func trash(_ request: Request, context: Context) async throws -> Response {
        try .json(try await using { library throws(LibraryFailure) in try await library.setTrashed(try Self.id(context), writer: context.writer, true) })
    }

    @Sendable func untrash(_ request: Request, context: Context) async throws -> Response {
        try .json(try await using { library throws(LibraryFailure) in try await library.setTrashed(try Self.id(context), writer: context.writer, false) })
    }

    @Sendable func emptyTrash(_ request: Request, context: Context) async throws -> Response {
        try .json(["deleted": try await using { library throws(LibraryFailure) in try await library.emptyTrash(writer: context.writer) }])
    }

    @Sendable func versions(_ request: Request, context: Context) async throws -> Response {
        let query = FormQuery(request.uri)
        let limit = try query.get("limit").map { try Self.number($0, "limit") } ?? 100
        let before = try query.get("before").map { try Self.number($0, "before") }
        let id = try Self.id(context)
        return try .json(StoryVersionList(versions: try await using { library throws(LibraryFailure) in
            try await library.versions(id, writer: context.writer, limit: limit, before: before)
        }))
    }

    @Sendable func version(_ request: Request, context: Context) async throws -> Response {
        let story = try await using { library throws(LibraryFailure) in try await library.story(try Self.id(context), writer: context.writer, version: try Self.versionNumber(context)) }
        return try .json(story)
    }

    @Sendable func restoreVersion(_ request: Request, context: Context) async throws -> Response {
        let story = try await using { library throws(LibraryFailure) in try await library.restore(try Self.id(context), writer: context.writer, version: try Self.versionNumber(context)) }
        await saved(story, context: context)
        return try .json(story, headers: Self.etag(story))
    }

    @Sendable func diff(_ request: Request, context: Context) async throws -> Response {
        let query = FormQuery(request.uri)
        let (from, to, chapter) = (try Self.number(query.get("from"), "from"), try Self.number(query.get("to"), "to"),
                                   try Self.number(query.get("chapter"), "chapter"))
        return try .json(try await using { library throws(LibraryFailure) in try await library.chapterDiff(try Self.id(context), writer: context.writer, chapter: chapter, from: from, to: to) })
    }

    @Sendable func answers(_ request: Request, context: Context) async throws -> Response {
        let query = FormQuery(request.uri)
        let filter = StoryLibrary.AnswerFilter(
            operation: query.get("operation"), chapter: try query.get("chapter").map { try Self.number($0, "chapter") },
            rater: query.get("rater"), limit: try query.get("limit").map { try Self.number($0, "limit") } ?? 100)
        return try .json(StoredAnswerList(answers: try await using { library throws(LibraryFailure) in try await library.answers(try Self.id(context), writer: context.writer, filter: filter) }))
    }

    @Sendable func conversations(_ request: Request, context: Context) async throws -> Response {
        try .json(ConversationList(conversations: try await using { library throws(LibraryFailure) in
            try await library.conversations(story: try Self.id(context), writer: context.writer)
        }))
    }

    @Sendable func conversation(_ request: Request, context: Context) async throws -> Response {
        try .json(try await using { library throws(LibraryFailure) in
            try await library.conversation(story: try Self.id(context), writer: context.writer, conversation: try Self.conversationName(context))
        })
    }

    @Sendable func deleteConversation(_ request: Request, context: Context) async throws -> Response {
        try await using { library throws(LibraryFailure) in
            try await library.deleteConversation(story: try Self.id(context), writer: context.writer, conversation: try Self.conversationName(context))
        }
        return Response(status: .noContent)
    }

    @Sendable func export(_ request: Request, context: Context) async throws -> Response {
        let format = FormQuery(request.uri).get("format") ?? "json"
        guard format == "json" || format == "markdown" else {
            throw ValidationFailure(issues: [ValidationIssue(
                loc: ["query", "format"], msg: "Input should be 'markdown' or 'json'", type: "literal_error")])
        }
        let story = try await using { library throws(LibraryFailure) in try await library.story(try Self.id(context), writer: context.writer) }
        let name = Self.fileName(story.document.title)
        if format == "json" {
            return try .json(story.document, headers: [.contentDisposition: "attachment; filename=\"\(name).json\""])
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/markdown; charset=utf-8", .contentDisposition: "attachment; filename=\"\(name).md\""],
            body: .init(byteBuffer: ByteBuffer(string: StoryLibrary.markdown(story.document))))
    }

    @Sendable func search(_ request: Request, context: Context) async throws -> Response {
        let query = FormQuery(request.uri)
        let text = query.get("q") ?? ""
        let limit = try query.get("limit").map { try Self.number($0, "limit") } ?? 20
        return try .json(LibrarySearchResults(query: text, hits: try await using { library throws(LibraryFailure) in try await library.search(text, writer: context.writer, limit: limit) }))
    }

    /// The library's search with the query in a JSON body rather than the query string.
    @Sendable func archiveSearch(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await validation.decode(ArchiveSearchRequest.self, from: &request) { $0.validate() }
        let hits = try await using { library throws(LibraryFailure) in try await library.search(body.query, writer: context.writer, limit: body.limit ?? 20) }
        return try .json(LibrarySearchResults(query: body.query, hits: hits))
    }

    // MARK: Helpers

    /// A story just saved: the summaries its prompts will want are asked for once its writer
    /// pauses.
    private func saved(_ story: StoredStory, context: Context) async {
        guard let summaries, let library = try? host.readyLibrary() else { return }
        await summaries.saved(story, in: library, writer: context.writer, cachePartition: context.cachePartition)
    }

    /// Runs `body` on the library, its failures answered as the API says.
    private func using<T>(_ body: (StoryLibrary) async throws(LibraryFailure) -> T) async throws -> T {
        do {
            return try await body(try host.readyLibrary())
        } catch .versionConflict(let current) {
            throw VersionConflict(current: current)
        } catch {
            throw APIError(error)
        }
    }

    private static func id(_ context: Context) throws(LibraryFailure) -> String {
        guard let id = context.parameters.get("id") else { throw .notFound("No story id was given.") }
        return id
    }

    private static func conversationName(_ context: Context) throws(LibraryFailure) -> String {
        // A name no conversation can have is not found by the library, once it has found the story.
        guard let name = context.parameters.get("conversation") else {
            throw .conversationNotFound("The story has no such conversation.")
        }
        return name
    }

    private static func versionNumber(_ context: Context) throws(LibraryFailure) -> Int {
        guard let text = context.parameters.get("version"), let version = Int(text), version > 0 else {
            throw .notFound("No version has the number '\(context.parameters.get("version")?.prefix(32) ?? "")'.")
        }
        return version
    }

    private static func number(_ text: String?, _ name: String) throws -> Int {
        guard let text, let number = Int(text), number >= 0 else {
            throw ValidationFailure(issues: [ValidationIssue(
                loc: ["query", .key(name)], msg: text == nil ? "Field required" : "Input should be a valid integer",
                type: text == nil ? "missing" : "int_parsing")])
        }
        return number
    }


    /// The version a story's `ETag` names.
    static func etag(_ story: StoredStory) -> HTTPFields {
        [.eTag: "\"v\(story.version)\""]
    }

    /// The version an `If-Match` header names; `*` names any. One that names no version of ours
    /// cannot match, so the save is refused rather than made blind.
    private static func version(ifMatch header: String) -> Int? {
        let tag = header.trimmingCharacters(in: .whitespaces)
        if tag == "*" { return nil }
        let bare = tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
        guard bare.hasPrefix("\"v"), bare.hasSuffix("\""), let version = Int(bare.dropFirst(2).dropLast()) else { return -1 }
        return version
    }

    /// A title as a file name: letters, digits and dashes.
    static func fileName(_ title: String) -> String {
        let words = title.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) || !$0.isASCII })
        let name = words.joined(separator: "-").prefix(80)
        return name.isEmpty ? "story" : String(name)
    }
}

/// 412 with the story as it is now, so a client can show both versions and let the writer choose.
struct VersionConflict: HTTPResponseError {
    var current: StoredStory
    var status: HTTPResponse.Status { .preconditionFailed }

    struct Body: Encodable {
        var detail: String
        var errorCode: ErrorCode
        var current: StoredStory

        enum CodingKeys: String, CodingKey {
            case detail, current
            case errorCode = "error_code"
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let error = APIError(.versionConflict(current: current))
        return try .json(Body(detail: error.message, errorCode: error.code, current: current), status: status, headers: LibraryController.etag(current))
    }
}
