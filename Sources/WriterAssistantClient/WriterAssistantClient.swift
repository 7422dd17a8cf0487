public import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import WriterAssistantAPI

/// A client of the Writer Assistant API.
///
/// ```swift
/// let client = WriterAssistantClient(baseURL: "http://127.0.0.1:8000")
/// for try await event in client.raterFeedbackEvents(request) {
///     if case .status(let phase, _, let progress, _) = event { print(phase, progress) }
/// }
/// ```
public struct WriterAssistantClient: Sendable {
    public let baseURL: String
    let httpClient: HTTPClient
    let timeout: TimeAmount
    /// Sent as `Authorization: Bearer KEY` with every call; the server's writer is the key's.
    let apiKey: String?

    /// - Parameters:
    ///   - baseURL: The server, e.g. `http://127.0.0.1:8000`.
    ///   - apiKey: The key of a server started with API keys; nil for an open server.
    ///   - timeout: Longest a whole call may take; generation on a slow machine takes minutes.
    public init(baseURL: String, apiKey: String? = nil, httpClient: HTTPClient = .shared, timeout: Duration = .seconds(600)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.httpClient = httpClient
        self.timeout = .seconds(timeout.components.seconds)
    }

    /// `POST /api/v1/<operation>`: the operation's result once it is complete. With `story`, the
    /// request reads that stored story (its `structured_context` is not sent) and the answer is
    /// kept in the story's history.
    public func perform<Request: OperationRequest>(_ request: Request, on story: StoryReference? = nil) async throws -> Request.Result {
        try await call(.POST, "/api/v1/\(Request.operationName)", body: OnStory(request: request, story: story), as: Request.Result.self)
    }

    /// `POST /api/v1/<operation>/preview`: the prompt the request would give the model, part by
    /// part, with what is left out to fit; nothing is generated or kept.
    public func preview<Request: OperationRequest>(_ request: Request, on story: StoryReference? = nil) async throws -> PromptPreview {
        try await call(.POST, "/api/v1/\(Request.operationName)/preview", body: OnStory(request: request, story: story), as: PromptPreview.self)
    }

    /// `POST /api/v1/tokens`: the tokens each text takes with the server's model.
    public func countTokens(_ texts: [String]) async throws -> TokenCountResult {
        try await call(.POST, "/api/v1/tokens", body: TokenCountRequest(texts: texts), as: TokenCountResult.self)
    }

    /// `POST /api/v1/<operation>/stream`: the events as the server sends them, ending after a
    /// `result` or an `error` event. The request is made when iteration starts; cancelling the
    /// iterating task closes the connection, which stops the generation on the server.
    /// `includeTokens` adds the answer's text as it is written (a chapter's prose, or a structured
    /// answer's JSON).
    public func events<Request: OperationRequest>(
        _ request: Request, on story: StoryReference? = nil, includeTokens: Bool = false
    ) -> OperationEvents<Request> {
        OperationEvents(client: self, request: request, story: story, includeTokens: includeTokens)
    }

    /// `POST /api/v1/rater-feedback`: a rater's opinion and suggestions on a plot point.
    public func raterFeedback(_ request: RaterFeedbackRequest) async throws -> RaterFeedbackResult {
        try await perform(request)
    }

    /// `POST /api/v1/rater-feedback/stream`.
    public func raterFeedbackEvents(_ request: RaterFeedbackRequest, includeTokens: Bool = false) -> RaterFeedbackEvents {
        events(request, includeTokens: includeTokens)
    }

    /// `POST /api/v1/character-feedback`: how one of the story's characters lives a plot point.
    public func characterFeedback(_ request: CharacterFeedbackRequest) async throws -> CharacterFeedbackResult {
        try await perform(request)
    }

    /// `POST /api/v1/editor-review`: an editor's suggestions on a chapter, most important first.
    public func editorReview(_ request: EditorReviewRequest) async throws -> EditorReviewResult {
        try await perform(request)
    }

    /// `POST /api/v1/generate-chapter`: the next chapter, from a plot point.
    public func generateChapter(_ request: GenerateChapterRequest) async throws -> GenerateChapterResult {
        try await perform(request)
    }

    /// `POST /api/v1/modify-chapter`: a chapter revised as asked in words.
    public func modifyChapter(_ request: ModifyChapterRequest) async throws -> ModifyChapterResult {
        try await perform(request)
    }

    /// `POST /api/v1/flesh-out`: a sketchy passage written out in full.
    public func fleshOut(_ request: FleshOutRequest) async throws -> FleshOutResult {
        try await perform(request)
    }

    /// `POST /api/v1/generate-character-details`: a new character's sheet from a short bio.
    public func generateCharacterDetails(_ request: GenerateCharacterDetailsRequest) async throws -> GenerateCharacterDetailsResult {
        try await perform(request)
    }

    /// `POST /api/v1/regenerate-bio`: a character's sheet distilled into one short paragraph.
    public func regenerateBio(_ request: RegenerateBioRequest) async throws -> RegenerateBioResult {
        try await perform(request)
    }

    /// `POST /api/v1/generate-chapter-outlines`: a chapter plan covering the story's plot outline.
    public func generateChapterOutlines(_ request: GenerateChapterOutlinesRequest) async throws -> GenerateChapterOutlinesResult {
        try await perform(request)
    }

    /// `POST /api/v1/archive/ask`: a question about the writer's stories, answered from their
    /// library with each citation checked against its chapter. A follow-up sends the turns before
    /// it in `request.messages`.
    public func askArchive(_ request: ArchiveQuestionRequest) async throws -> ArchiveAnswer {
        try await perform(request)
    }

    /// `POST /api/v1/chat`: an agent's next turn in a conversation about the story. On a stored
    /// story (`perform(_:on:)` with its id) the conversation is kept under the reply's
    /// `conversationId`.
    public func chat(_ request: ChatRequest) async throws -> ChatReply {
        try await perform(request)
    }

    /// `GET /health`.
    public func health() async throws -> HealthStatus {
        var request = HTTPClientRequest(url: baseURL + "/health")
        request.headers.add(name: "Accept", value: "application/json")
        authorize(&request)
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .seconds(30))
        } catch {
            throw WriterAssistantClientError.transport(error)
        }
        let body = try await readBody(of: response)
        guard response.status == .ok, let health = try? JSONDecoder().decode(HealthStatus.self, from: body) else {
            throw Self.failure(status: response.status, body: body)
        }
        return health
    }

    // MARK: Plumbing

    /// A JSON exchange: `body` sent, the answer decoded, any other status than `status` thrown
    /// as the error the server answered.
    func call<Result: Decodable>(
        _ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<String>.none, headers: [(String, String)] = [],
        expecting status: HTTPResponseStatus = .ok, as type: Result.Type
    ) async throws -> Result {
        let data = try await raw(method, path, body: try body.map { try JSONEncoder().encode($0) }, headers: headers, expecting: status)
        do {
            return try JSONDecoder().decode(Result.self, from: data)
        } catch {
            throw WriterAssistantClientError.unexpectedResponse(httpStatus: Int(status.code), body: String(decoding: data, as: UTF8.self))
        }
    }

    func raw(
        _ method: HTTPMethod, _ path: String, body: Data?, headers: [(String, String)], expecting status: HTTPResponseStatus
    ) async throws -> Data {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        authorize(&request)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: timeout)
        } catch {
            throw WriterAssistantClientError.transport(error)
        }
        let data = try await readBody(of: response)
        guard response.status == status else { throw Self.failure(status: response.status, body: data) }
        return data
    }

    func send(_ body: some Encodable, to path: String, accept: String) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: accept)
        authorize(&request)
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        do {
            return try await httpClient.execute(request, timeout: timeout)
        } catch {
            throw WriterAssistantClientError.transport(error)
        }
    }

    func authorize(_ request: inout HTTPClientRequest) {
        if let apiKey { request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(apiKey)") }
    }

    func readBody(of response: HTTPClientResponse) async throws -> Data {
        do {
            return Data(try await response.body.collect(upTo: 16 << 20).readableBytesView)
        } catch {
            throw WriterAssistantClientError.transport(error)
        }
    }

    /// The error an HTTP error response stands for.
    static func failure(status: HTTPResponseStatus, body: Data) -> WriterAssistantClientError {
        let decoder = JSONDecoder()
        if status.code == 422, let validation = try? decoder.decode(ValidationErrorResponse.self, from: body) {
            return .invalidRequest(validation.detail)
        }
        if let error = try? decoder.decode(ErrorResponse.self, from: body) {
            return .server(code: error.errorCode, message: error.detail, httpStatus: Int(status.code))
        }
        return .unexpectedResponse(httpStatus: Int(status.code), body: String(decoding: body, as: UTF8.self))
    }
}


/// An operation's body on a stored story: the request's own fields, with `storyId` (and the
/// chapter it is about) in place of `structured_context`.
struct OnStory<Request: OperationRequest>: Encodable {
    var request: Request
    var story: StoryReference?

    enum Keys: String, CodingKey {
        case storyId, chapter
    }

    func encode(to encoder: any Encoder) throws {
        guard let story else { return try request.encode(to: encoder) }
        var request = request
        request.structuredContext = nil
        try request.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(story.storyId, forKey: .storyId)
        try container.encodeIfPresent(story.chapter, forKey: .chapter)
    }
}
