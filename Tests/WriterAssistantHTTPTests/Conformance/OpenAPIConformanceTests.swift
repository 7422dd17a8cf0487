import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLibrary
import WriterAssistantLLM
import WriterAssistantTestSupport

/// The OpenAPI document the server serves describes what it really answers: every endpoint and
/// every error, checked against real responses over real sockets.
@Suite struct OpenAPIConformanceTests {
    struct Exchange {
        var method: String
        var path: String
        var status: Int
        var contentType: String
        var headers: HTTPHeaders
        var body: Data
    }

    static func document(_ server: TestServer) async throws -> OpenAPIDocument {
        let response = try await server.get("/api/v1/openapi.json")
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "application/json")
        return try OpenAPIDocument(try await response.bodyData())
    }

    static func send(
        _ server: TestServer, _ method: HTTPMethod, _ path: String, body: Data? = nil,
        headers: [(String, String)] = [("Content-Type", "application/json")]
    ) async throws -> Exchange {
        var request = HTTPClientRequest(url: server.baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        return Exchange(
            method: method.rawValue, path: String(path.prefix { $0 != "?" }), status: Int(response.status.code),
            contentType: response.headers.first(name: "Content-Type") ?? "", headers: response.headers,
            body: try await response.bodyData())
    }

    /// Checks one real exchange against the document: the status is documented for the path (or
    /// the template that names it, such as `/api/v1/stories/{id}`), the media type too, the
    /// documented headers are there, and the body matches its schema (each event of a stream).
    static func check(_ exchange: Exchange, in document: OpenAPIDocument, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = document.template(for: exchange.path)
        let label = "\(exchange.method) \(path) \(exchange.status)"
        let response = try #require(document.response(exchange.method, path, status: exchange.status), "\(label) is not documented", sourceLocation: sourceLocation)
        for (name, header) in response["headers"] as? [String: [String: Any]] ?? [:] where document.resolve(header)["required"] as? Bool == true {
            #expect(exchange.headers.first(name: name) != nil, "\(label): no \(name) header", sourceLocation: sourceLocation)
        }
        let mediaType = String(exchange.contentType.prefix { $0 != ";" })
        let content = response["content"] as? [String: [String: Any]] ?? [:]
        // A response documented without a body (204) has none.
        if content.isEmpty {
            #expect(exchange.body.isEmpty, "\(label): a body where none is documented", sourceLocation: sourceLocation)
            return
        }
        let media = try #require(content[mediaType], "\(label): \(mediaType) is not documented", sourceLocation: sourceLocation)
        let schema = try #require(media["schema"] as? [String: Any], "\(label): no schema", sourceLocation: sourceLocation)
        switch mediaType {
        case "application/json":
            let value = try JSONSerialization.jsonObject(with: exchange.body)
            let problems = document.problems(value, against: schema)
            #expect(problems.isEmpty, "\(label): \(problems)", sourceLocation: sourceLocation)
        case "text/event-stream":
            // Each operation's stream names the schema of its events.
            let eventSchema = try #require(
                (media["x-sse-data-schema"] as? [String: Any]).map(document.resolve), "\(label): no event schema",
                sourceLocation: sourceLocation)
            let lines = String(decoding: exchange.body, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("data: ") }
            #expect(!lines.isEmpty, sourceLocation: sourceLocation)
            for line in lines {
                let value = try JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))
                let problems = document.problems(value, against: eventSchema)
                #expect(problems.isEmpty, "\(label) event \(line.prefix(120)): \(problems)", sourceLocation: sourceLocation)
            }
        default:
            #expect(!exchange.body.isEmpty, sourceLocation: sourceLocation)
        }
    }

    static func json(_ request: some Encodable) throws -> Data {
        try JSONEncoder().encode(request)
    }

    static let story: Data = {
        let url = PackagePaths.example("story.json")
        return (try? Data(contentsOf: url)) ?? Data()
    }()

    static func storyRequest() throws -> Data {
        var request = minimalRequest
        request.structuredContext = try JSONDecoder().decode(StructuredContext.self, from: story)
        return try json(request)
    }

    @Test func theRequestsTheExamplesSendMatchTheDocument() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let document = try await Self.document(server)
            let schema = try #require(document.schema(named: "RaterFeedbackRequest"))
            let value = try JSONSerialization.jsonObject(with: try Self.storyRequest())
            #expect(document.problems(value, against: schema).isEmpty, "\(document.problems(value, against: schema))")
            let invalid = try JSONSerialization.jsonObject(with: Data(#"{"raterPrompt": "x"}"#.utf8))
            #expect(!document.problems(invalid, against: schema).isEmpty)
        }
    }

    @Test func everyEndpointsSuccessMatchesTheDocument() async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            let document = try await Self.document(server)
            let body = try Self.storyRequest()
            try Self.check(try await Self.send(server, .GET, "/health"), in: document)
            try Self.check(try await Self.send(server, .GET, "/", headers: [("Accept", "application/json")]), in: document)
            try Self.check(try await Self.send(server, .GET, "/metrics"), in: document)
            try Self.check(try await Self.send(server, .GET, "/api/v1/openapi.json"), in: document)
            try Self.check(try await Self.send(server, .POST, "/api/v1/rater-feedback", body: body), in: document)
            try Self.check(try await Self.send(server, .POST, "/api/v1/rater-feedback/stream?tokens=true", body: body), in: document)
            try Self.check(try await Self.send(server, .POST, "/api/v1/rater-feedback/preview", body: body), in: document)
            try Self.check(try await Self.send(server, .POST, "/api/v1/tokens", body: Self.json(TokenCountRequest(texts: ["Mara", ""]))), in: document)
        }
    }

    /// Revise until done's rounds, checked changes (made with a new sentence, made by a cut,
    /// missing) and note match the document, on both endpoints.
    @Test func aRevisionRunUntilDoneMatchesTheDocument() async throws {
        let original = "Ari walked home. The night was dry and still. She opened the door."
        let revised = "Ari walked home. Rain fell all night. She opened the door."
        let revision = #"{"modifiedChapter": "\#(revised)", "changesSummary": "Rain now falls."}"#
        let check = #"{"changes": [{"passage": "Rain fell all night", "made": "yes"}, {"passage": "The night was dry and still", "made": "yes"}, {"passage": "none", "made": "no"}]}"#
        var script = ScriptedModel.Script(answer: revision.chunked(into: 9))
        script.laterAnswers = [[check], revision.chunked(into: 9), [check]]
        let request = ModifyChapterRequest(
            currentChapter: original, userRequest: "- Make it rain.\n- Cut the dry night.\n- Add a dog.", maxRounds: 2)
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: script)))) { server in
            let document = try await Self.document(server)
            let stream = try await Self.send(server, .POST, "/api/v1/modify-chapter/stream?tokens=true", body: try Self.json(request))
            try Self.check(stream, in: document)
            let text = String(decoding: stream.body, as: UTF8.self)
            #expect(text.contains(#""round":{"#) && text.contains(#""removedPassage":"The night was dry and still""#), "\(text)")
        }
        let single = ScriptedModel(script: .init(answer: revision.chunked(into: 9)))
        try await TestServer.with(host: ModelHost(.ready(single))) { server in
            let document = try await Self.document(server)
            // Each later answer repeats the revision, which no check can read: nothing is confirmed.
            try Self.check(try await Self.send(server, .POST, "/api/v1/modify-chapter", body: try Self.json(request)), in: document)
        }
    }

    @Test func theRealModelsAnswerMatchesTheDocument() async throws {
        try await RealModelTests.withRealServer { server in
            let document = try await Self.document(server)
            let body = try Self.json(RealModelTests.story)
            try Self.check(try await Self.send(server, .POST, "/api/v1/rater-feedback/stream?tokens=true", body: body), in: document)
            try Self.check(try await Self.send(server, .GET, "/health"), in: document)
        }
    }

    @Test func everyRefusalMatchesTheDocument() async throws {
        var configuration = ServerConfiguration(maxBodySize: 4096)
        configuration.apiKeys = ["conformance-key-1"]
        let authorized = [("Content-Type", "application/json"), ("Authorization", "Bearer conformance-key-1")]
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed()))), configuration: configuration) { server in
            let document = try await Self.document(server)
            for path in ["/api/v1/rater-feedback", "/api/v1/rater-feedback/stream"] {
                try Self.check(try await Self.send(server, .POST, path, body: try Self.json(minimalRequest)), in: document)  // 401
                try Self.check(try await Self.send(server, .POST, path, body: Data(#"{"plotPoint": 3}"#.utf8), headers: authorized), in: document)  // 422
                try Self.check(try await Self.send(server, .POST, path, body: Data(repeating: 0x20, count: 5000), headers: authorized), in: document)  // 413
                try Self.check(try await Self.send(
                    server, .POST, path, body: Data("{}".utf8), headers: [("Content-Type", "text/plain"), authorized[1]]), in: document)  // 415
                try Self.check(try await Self.send(server, .POST, path, body: try Self.json(minimalRequest), headers: authorized + [("Host", "attacker.test")]), in: document)  // 403
            }
            try Self.check(try await Self.send(server, .GET, "/metrics"), in: document)  // 401
            try Self.check(try await Self.send(server, .GET, "/health", headers: [("Host", "attacker.test")]), in: document)  // 403
        }
    }

    struct Failure: Sendable {
        var host: @Sendable () -> ModelHost
        var timeout: Duration = .seconds(30)
        var contextLength = 4096
    }

    /// Every way the model side can fail, on the synchronous endpoint (a status of its own) and
    /// on the stream (an error event).
    static let failures = [
        Failure(host: { ModelHost(.notConfigured) }),
        Failure(host: { ModelHost(.loading(name: "m.gguf")) }),
        Failure(host: { ModelHost(.ready(ScriptedModel(script: .init(answer: ["{"], failure: .evaluationFailed(status: -1), failAfterPieces: 1)))) }),
        Failure(host: { ModelHost(.ready(ScriptedModel(script: .init(answer: ["no json"])))) }),
        Failure(host: { ModelHost(.ready(ScriptedModel(script: .wellFormed(pieceDelay: .seconds(1))))) }, timeout: .milliseconds(200)),
        Failure(host: { ModelHost(.ready(ScriptedModel(script: .init(answer: [], failure: .queueFull(limit: 0))))) }),
        Failure(host: { ModelHost(.ready(ScriptedModel(script: .wellFormed(), contextLength: 100))) }),
    ]

    @Test(arguments: failures)
    func everyModelFailureMatchesTheDocument(_ failure: Failure) async throws {
        let configuration = ServerConfiguration(pipeline: .init(sampling: SamplingParameters(maxTokens: 90), generationTimeout: failure.timeout))
        try await TestServer.with(host: failure.host(), configuration: configuration) { server in
            let document = try await Self.document(server)
            let synchronous = try await Self.send(server, .POST, "/api/v1/rater-feedback", body: try Self.storyRequest())
            #expect(synchronous.status >= 400)
            try Self.check(synchronous, in: document)
            try Self.check(try await Self.send(server, .POST, "/api/v1/rater-feedback/stream", body: try Self.storyRequest()), in: document)
        }
    }

    // MARK: The library

    /// One of the library's routes: its method and documented path, and a request that gets past
    /// every check before the library (a valid body and query) once `{id}` and `{version}` are
    /// filled in.
    struct LibraryRoute: Sendable {
        var method: HTTPMethod
        var template: String
        var query = ""
        var body: String?

        func path(id: String, version: Int = 1) -> String {
            template.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{version}", with: "\(version)")
                .replacingOccurrences(of: "{conversation}", with: LibraryRoute.conversation) + query
        }

        /// The conversation the routes of one name.
        static let conversation = "first-talk"

        /// The status of the route's success.
        var success: Int {
            switch (method, template) {
            case (.POST, "/api/v1/stories"): 201
            case (.DELETE, "/api/v1/stories/{id}/conversations/{conversation}"): 204
            default: 200
            }
        }

        var label: String { "\(method.rawValue) \(template)" }
    }

    /// Every route of the library, as `LibraryController` adds them.
    static let libraryRoutes: [LibraryRoute] = [
        LibraryRoute(method: .GET, template: "/api/v1/stories"),
        LibraryRoute(method: .POST, template: "/api/v1/stories", body: LibraryEndpointTests.story),
        LibraryRoute(method: .GET, template: "/api/v1/stories/{id}"),
        LibraryRoute(method: .PUT, template: "/api/v1/stories/{id}", body: LibraryEndpointTests.story),
        LibraryRoute(method: .DELETE, template: "/api/v1/stories/{id}"),
        LibraryRoute(method: .POST, template: "/api/v1/stories/{id}/restore"),
        LibraryRoute(method: .DELETE, template: "/api/v1/trash"),
        LibraryRoute(method: .GET, template: "/api/v1/stories/{id}/versions"),
        LibraryRoute(method: .GET, template: "/api/v1/stories/{id}/versions/{version}"),
        LibraryRoute(method: .POST, template: "/api/v1/stories/{id}/versions/{version}/restore"),
        LibraryRoute(method: .GET, template: "/api/v1/stories/{id}/diff", query: "?from=1&to=1&chapter=1"),
        LibraryRoute(method: .GET, template: "/api/v1/stories/{id}/answers"),
        LibraryRoute(method: .GET, template: "/api/v1/stories/{id}/conversations"),
        LibraryRoute(method: .GET, template: "/api/v1/stories/{id}/conversations/{conversation}"),
        LibraryRoute(method: .DELETE, template: "/api/v1/stories/{id}/conversations/{conversation}"),
        LibraryRoute(method: .GET, template: "/api/v1/stories/{id}/export", query: "?format=markdown"),
        LibraryRoute(method: .GET, template: "/api/v1/search", query: "?q=weir"),
        LibraryRoute(method: .POST, template: "/api/v1/archive/search", body: #"{"query": "weir"}"#),
    ]

    static func isLibraryPath(_ path: String) -> Bool {
        path.hasPrefix("/api/v1/stories") || path == "/api/v1/trash" || path == "/api/v1/search" || path == "/api/v1/archive/search"
    }

    /// Sends requests to one server, checks each exchange against the document, and keeps which
    /// documented response (`METHOD /template STATUS`) each one was.
    struct Exercise {
        let server: TestServer
        let document: OpenAPIDocument
        var seen: Set<String> = []

        @discardableResult
        mutating func exchange(
            _ method: HTTPMethod, _ path: String, body: String? = nil, contentType: String = "application/json",
            headers: [(String, String)] = [], expect status: Int, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> Exchange {
            let exchange = try await OpenAPIConformanceTests.send(
                server, method, path, body: body.map { Data($0.utf8) }, headers: [("Content-Type", contentType)] + headers)
            #expect(
                exchange.status == status, "\(method.rawValue) \(path): \(String(decoding: exchange.body.prefix(300), as: UTF8.self))",
                sourceLocation: sourceLocation)
            try OpenAPIConformanceTests.check(exchange, in: document, sourceLocation: sourceLocation)
            seen.insert("\(exchange.method) \(document.template(for: exchange.path)) \(exchange.status)")
            return exchange
        }
    }

    /// The document describes the library's routes, all of them and no other, and every endpoint
    /// `GET /` lists.
    @Test func theDocumentDescribesEveryLibraryRouteAndEveryListedEndpoint() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let document = try await Self.document(server)
            let documented = Set(document.operations.filter { Self.isLibraryPath($0.path) }.map { "\($0.method) \($0.path)" })
            #expect(documented == Set(Self.libraryRoutes.map(\.label)))
            let info = try await Self.send(server, .GET, "/", headers: [("Accept", "application/json")])
            let object = try JSONSerialization.jsonObject(with: info.body) as? [String: Any]
            let endpoints = try #require(object?["endpoints"] as? [String])
            #expect(endpoints.contains("GET /api/v1/stories"))
            #expect(endpoints.contains("GET /api/v1/search"))
            for endpoint in endpoints {
                let parts = endpoint.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else {
                    Issue.record("\(endpoint) is not METHOD /path")
                    continue
                }
                #expect(document.operation(parts[0], parts[1]) != nil, "\(endpoint) is not documented")
            }
        }
    }

    /// Every library endpoint's success and its main refusals, on a real library, and an
    /// operation on a stored story: each exchange as the document says, and every documented
    /// library route exercised.
    @Test func everyLibraryEndpointMatchesTheDocument() async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.withLibrary(host: ModelHost(.ready(model)), configuration: ServerConfiguration(maxBodySize: 4_096)) { server in
            var exercise = Exercise(server: server, document: try await Self.document(server))
            let health = try await exercise.exchange(.GET, "/health", expect: 200)
            #expect(try JSONDecoder().decode(HealthStatus.self, from: health.body).library == LibraryHealth(available: true, state: "ready"))

            // Stories: created, listed, read, saved, and bodies refused.
            let created = try await exercise.exchange(.POST, "/api/v1/stories", body: LibraryEndpointTests.story, expect: 201)
            let story = try JSONDecoder().decode(StoredStory.self, from: created.body)
            let id = story.id
            #expect(created.headers.first(name: "Location") == "/api/v1/stories/\(id)")
            #expect(created.headers.first(name: "ETag") == "\"v1\"")
            let tooLarge = String(repeating: " ", count: 5_000)
            try await exercise.exchange(.POST, "/api/v1/stories", body: #"{"title": "  "}"#, expect: 422)
            try await exercise.exchange(.POST, "/api/v1/stories", body: #"{"title": "T", "raters": "all"}"#, expect: 422)
            try await exercise.exchange(.POST, "/api/v1/stories", body: "[", expect: 422)
            try await exercise.exchange(.POST, "/api/v1/stories", body: tooLarge, expect: 413)
            try await exercise.exchange(.POST, "/api/v1/stories", body: #"{"title": "T"}"#, contentType: "text/plain", expect: 415)
            try await exercise.exchange(.GET, "/api/v1/stories", expect: 200)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)", expect: 200)
            try await exercise.exchange(.GET, "/api/v1/stories/not-a-uuid", expect: 404)

            var edited = story
            edited.document.structuredContext.previousChapters?[1].content = "Ivo swam below the weir, and everyone spoke of it."
            let save = String(decoding: try JSONEncoder().encode(edited), as: UTF8.self)
            let saved = try await exercise.exchange(.PUT, "/api/v1/stories/\(id)", body: save, headers: [("If-Match", "\"v1\"")], expect: 200)
            #expect(saved.headers.first(name: "ETag") == "\"v2\"")
            let stale = try await exercise.exchange(
                .PUT, "/api/v1/stories/\(id)", body: LibraryEndpointTests.story, headers: [("If-Match", "\"v1\"")], expect: 412)
            #expect(stale.headers.first(name: "ETag") == "\"v2\"")
            try await exercise.exchange(.PUT, "/api/v1/stories/\(id)", body: #"{"title": ""}"#, expect: 422)
            try await exercise.exchange(.PUT, "/api/v1/stories/\(id)", body: tooLarge, expect: 413)
            try await exercise.exchange(.PUT, "/api/v1/stories/\(id)", body: #"{"title": "T"}"#, contentType: "text/plain", expect: 415)
            try await exercise.exchange(.PUT, "/api/v1/stories/\(UUID().uuidString)", body: LibraryEndpointTests.story, expect: 404)

            // Versions: one of them, the difference of a chapter, and an older one made the newest.
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/versions/1", expect: 200)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/versions/9", expect: 404)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/versions/first", expect: 404)
            let diff = try await exercise.exchange(.GET, "/api/v1/stories/\(id)/diff?from=1&to=2&chapter=2", expect: 200)
            #expect(try JSONDecoder().decode(ChapterDiff.self, from: diff.body).runs.contains(TextRun(.added, "swam ")))
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/diff?from=1&to=2", expect: 422)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/diff?from=1&to=two&chapter=2", expect: 422)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/diff?from=1&to=7&chapter=2", expect: 404)
            let restored = try await exercise.exchange(.POST, "/api/v1/stories/\(id)/versions/1/restore", expect: 200)
            #expect(restored.headers.first(name: "ETag") == "\"v3\"")
            try await exercise.exchange(.POST, "/api/v1/stories/\(id)/versions/9/restore", expect: 404)
            let versions = try await exercise.exchange(.GET, "/api/v1/stories/\(id)/versions", expect: 200)
            #expect(try JSONDecoder().decode(StoryVersionList.self, from: versions.body).versions.first?.restoredFrom == 1)

            // Operations on the stored story, on both endpoints, and their refusals.
            let operation = #"{"storyId": "\#(id)", "chapter": 2, "raterName": "Pacing editor", "raterPrompt": "Judge the pacing.", "plotPoint": "Mara crosses the bridge."}"#
            try await exercise.exchange(.POST, "/api/v1/rater-feedback", body: operation, expect: 200)
            try await exercise.exchange(.POST, "/api/v1/rater-feedback/stream?tokens=true", body: operation, expect: 200)
            let both = #"{"storyId": "\#(id)", "structured_context": {}, "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            try await exercise.exchange(.POST, "/api/v1/rater-feedback", body: both, expect: 422)
            try await exercise.exchange(.POST, "/api/v1/rater-feedback/stream", body: both, expect: 422)
            let mistyped = #"{"storyId": "\#(id)", "chapter": "two", "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            try await exercise.exchange(.POST, "/api/v1/rater-feedback", body: mistyped, expect: 422)
            let unknown = #"{"storyId": "\#(UUID().uuidString)", "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            try await exercise.exchange(.POST, "/api/v1/rater-feedback", body: unknown, expect: 404)
            try await exercise.exchange(.POST, "/api/v1/rater-feedback/stream", body: unknown, expect: 404)

            // The answers they left in the story's history.
            let answers = try await exercise.exchange(.GET, "/api/v1/stories/\(id)/answers", expect: 200)
            #expect(try JSONDecoder().decode(StoredAnswerList.self, from: answers.body).answers.count == 2)
            let filter = "?operation=rater-feedback&chapter=2&rater=Pacing%20editor&limit=1"
            let filtered = try await exercise.exchange(.GET, "/api/v1/stories/\(id)/answers\(filter)", expect: 200)
            #expect(try JSONDecoder().decode(StoredAnswerList.self, from: filtered.body).answers.count == 1)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/answers?limit=many", expect: 422)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/answers?chapter=-1", expect: 422)

            // A conversation with an agent about the stored story, kept with it: listed, read
            // (to carry it on), continued under its name, and deleted.
            let talk = #"{"storyId": "\#(id)", "agent": "editor", "conversationId": "\#(LibraryRoute.conversation)", "messages": [{"role": "user", "content": "Is the drowning too quick?"}]}"#
            let replied = try await exercise.exchange(.POST, "/api/v1/chat", body: talk, expect: 200)
            #expect(try JSONDecoder().decode(ChatReply.self, from: replied.body).conversationId == LibraryRoute.conversation)
            try await exercise.exchange(.POST, "/api/v1/chat/stream", body: talk, expect: 200)
            let unnamed = #"{"storyId": "\#(id)", "agent": "writer", "messages": [{"role": "user", "content": "What next?"}]}"#
            let named = try JSONDecoder().decode(ChatReply.self, from: try await exercise.exchange(.POST, "/api/v1/chat", body: unnamed, expect: 200).body)
            let listed = try await exercise.exchange(.GET, "/api/v1/stories/\(id)/conversations", expect: 200)
            let conversations = try JSONDecoder().decode(ConversationList.self, from: listed.body).conversations
            #expect(Set(conversations.map(\.id)) == [LibraryRoute.conversation, try #require(named.conversationId)])
            let kept = try await exercise.exchange(.GET, "/api/v1/stories/\(id)/conversations/\(LibraryRoute.conversation)", expect: 200)
            let conversation = try JSONDecoder().decode(StoredConversation.self, from: kept.body)
            #expect(conversation.agent == .editor)
            // Sent twice with no turns before it, the writer's turn carried the conversation on twice.
            #expect(conversation.messages.map(\.role) == [.user, .assistant, .user, .assistant])
            #expect(conversation.messages.map(\.content).first == "Is the drowning too quick?")
            let missing = [
                try await exercise.exchange(.GET, "/api/v1/stories/\(id)/conversations/no-such-talk", expect: 404),
                try await exercise.exchange(.GET, "/api/v1/stories/\(id)/conversations/not%20a%20name", expect: 404),
            ]
            try await exercise.exchange(.DELETE, "/api/v1/stories/\(id)/conversations/\(try #require(named.conversationId))", expect: 204)
            let deleted = try await exercise.exchange(.DELETE, "/api/v1/stories/\(id)/conversations/\(try #require(named.conversationId))", expect: 404)
            for exchange in missing + [deleted] {
                #expect(try JSONDecoder().decode(ErrorResponse.self, from: exchange.body).errorCode == .conversationNotFound)
            }
            for name in ["no-such-talk", "not%20a%20name"] {
                let noStory = try await exercise.exchange(.GET, "/api/v1/stories/\(UUID().uuidString)/conversations/\(name)", expect: 404)
                #expect(try JSONDecoder().decode(ErrorResponse.self, from: noStory.body).errorCode == .storyNotFound)
            }
            try await exercise.exchange(.POST, "/api/v1/chat", body: #"{"storyId": "\#(id)", "agent": "character", "messages": [{"role": "user", "content": "Hi"}]}"#, expect: 422)

            // Export as Markdown and as JSON, which imports again.
            let markdown = try await exercise.exchange(.GET, "/api/v1/stories/\(id)/export?format=markdown", expect: 200)
            #expect(markdown.contentType == "text/markdown; charset=utf-8")
            let json = try await exercise.exchange(.GET, "/api/v1/stories/\(id)/export", expect: 200)
            #expect(json.headers.first(name: "Content-Disposition") == "attachment; filename=\"the-salt-road.json\"")
            try await exercise.exchange(.POST, "/api/v1/stories", body: String(decoding: json.body, as: UTF8.self), expect: 201)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)/export?format=pdf", expect: 422)

            // Search.
            let search = try await exercise.exchange(.GET, "/api/v1/search?q=drowned%20weir&limit=5", expect: 200)
            #expect(try JSONDecoder().decode(LibrarySearchResults.self, from: search.body).hits.contains { $0.storyId == id && $0.chapter == 2 })
            try await exercise.exchange(.GET, "/api/v1/search", expect: 200)
            try await exercise.exchange(.GET, "/api/v1/search?q=weir&limit=-1", expect: 422)
            let archived = try await exercise.exchange(.POST, "/api/v1/archive/search", body: #"{"query": "drowned weir"}"#, expect: 200)
            #expect(try JSONDecoder().decode(LibrarySearchResults.self, from: archived.body).hits.contains { $0.storyId == id && $0.chapter == 2 })
            try await exercise.exchange(.POST, "/api/v1/archive/search", body: #"{"query": 3}"#, expect: 422)

            // The trash: a story in it is read but not changed or used, until it is restored.
            let trashed = try await exercise.exchange(.DELETE, "/api/v1/stories/\(id)", expect: 200)
            #expect(try JSONDecoder().decode(StoryListing.self, from: trashed.body).deletedAt != nil)
            try await exercise.exchange(.GET, "/api/v1/stories?trash=true", expect: 200)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)", expect: 200)
            try await exercise.exchange(.PUT, "/api/v1/stories/\(id)", body: LibraryEndpointTests.story, expect: 409)
            try await exercise.exchange(.POST, "/api/v1/stories/\(id)/versions/1/restore", expect: 409)
            let inTrash = #"{"storyId": "\#(id)", "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            try await exercise.exchange(.POST, "/api/v1/rater-feedback", body: inTrash, expect: 409)
            try await exercise.exchange(.POST, "/api/v1/rater-feedback/stream", body: inTrash, expect: 409)
            try await exercise.exchange(.POST, "/api/v1/stories/\(id)/restore", expect: 200)
            try await exercise.exchange(.DELETE, "/api/v1/stories/\(id)", expect: 200)
            let emptied = try await exercise.exchange(.DELETE, "/api/v1/trash", expect: 200)
            #expect(try JSONDecoder().decode([String: Int].self, from: emptied.body) == ["deleted": 1])

            // Deleted for good: every route of the story now answers 404.
            for route in Self.libraryRoutes where route.template.contains("{id}") {
                try await exercise.exchange(route.method, route.path(id: id), body: route.body, expect: 404)
            }

            // Every documented library route was exercised, with its success, and each route of a
            // story with its 404.
            for route in Self.libraryRoutes {
                #expect(exercise.seen.contains("\(route.label) \(route.success)"), "\(route.label) \(route.success) was not exercised")
                if route.template.contains("{id}") {
                    #expect(exercise.seen.contains("\(route.label) 404"), "\(route.label) 404 was not exercised")
                }
            }
        }
    }

    /// With API keys, each library route refuses a request without one; a library that is not
    /// available answers each route, and an operation naming a stored story, with 503.
    @Test func theLibrarysRefusalsMatchTheDocument() async throws {
        let key = [("Authorization", "Bearer library-key-1")]
        try await TestServer.withLibrary(configuration: ServerConfiguration(apiKeys: ["library-key-1"])) { server in
            var exercise = Exercise(server: server, document: try await Self.document(server))
            let id = UUID().uuidString
            for route in Self.libraryRoutes {
                try await exercise.exchange(route.method, route.path(id: id), body: route.body, expect: 401)
            }
            try await exercise.exchange(.GET, "/api/v1/stories", headers: key, expect: 200)
            try await exercise.exchange(.GET, "/api/v1/stories/\(id)", headers: key, expect: 404)
            try await exercise.exchange(.GET, "/api/v1/stories", headers: key + [("Host", "attacker.test")], expect: 403)
        }

        let library = LibraryHost(.failed(reason: "the disk holding the library is full"))
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed()))), library: library) { server in
            var exercise = Exercise(server: server, document: try await Self.document(server))
            let health = try await exercise.exchange(.GET, "/health", expect: 200)
            #expect(
                try JSONDecoder().decode(HealthStatus.self, from: health.body).library
                    == LibraryHealth(available: false, state: "failed", error: "the disk holding the library is full"))
            let id = UUID().uuidString
            for route in Self.libraryRoutes {
                try await exercise.exchange(route.method, route.path(id: id), body: route.body, expect: 503)
            }
            let operation = #"{"storyId": "\#(id)", "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            try await exercise.exchange(.POST, "/api/v1/rater-feedback", body: operation, expect: 503)
            try await exercise.exchange(.POST, "/api/v1/rater-feedback/stream", body: operation, expect: 503)
            // The archive is the library: a question cannot be answered without it.
            try await exercise.exchange(.POST, "/api/v1/archive/ask", body: #"{"question": "Why?"}"#, expect: 503)
            try await exercise.exchange(.POST, "/api/v1/archive/ask/stream", body: #"{"question": "Why?"}"#, expect: 503)
            // Requests that carry their story do not need the library.
            try await exercise.exchange(.POST, "/api/v1/rater-feedback", body: String(decoding: try Self.storyRequest(), as: UTF8.self), expect: 200)
        }
    }
}

extension OpenAPIDocument {
    static let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Every documented operation, as its method in capitals and its path template.
    var operations: [(method: String, path: String)] {
        var found: [(method: String, path: String)] = []
        for (path, item) in root["paths"] as? [String: Any] ?? [:] {
            guard let item = item as? [String: Any] else { continue }
            for method in Self.methods where item[method] != nil {
                found.append((method: method.uppercased(), path: path))
            }
        }
        return found
    }

    /// The documented operation `method path`, `path` as the document spells it.
    func operation(_ method: String, _ path: String) -> [String: Any]? {
        ((root["paths"] as? [String: Any])?[path] as? [String: Any])?[method.lowercased()] as? [String: Any]
    }

    /// The documented path a real path stands for: itself when documented, else the template whose
    /// `{parameters}` its segments fill, the most literal one when several do, as a router chooses.
    func template(for path: String) -> String {
        let paths = (root["paths"] as? [String: Any] ?? [:]).keys
        if paths.contains(path) { return path }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let matching = paths.filter { template in
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == segments.count
                && zip(parts, segments).allSatisfy { part, segment in part == segment || (part.hasPrefix("{") && part.hasSuffix("}")) }
        }
        func parameters(_ template: String) -> Int { template.filter { $0 == "{" }.count }
        return matching.min { (parameters($0), $0) < (parameters($1), $1) } ?? path
    }
}
