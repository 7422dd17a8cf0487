import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
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

    /// Checks one real exchange against the document: the status is documented for the path,
    /// the media type too, the documented headers are there, and the body matches its schema
    /// (each event of a stream).
    static func check(_ exchange: Exchange, in document: OpenAPIDocument, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let label = "\(exchange.method) \(exchange.path) \(exchange.status)"
        let response = try #require(document.response(exchange.method, exchange.path, status: exchange.status), "\(label) is not documented", sourceLocation: sourceLocation)
        for (name, header) in response["headers"] as? [String: [String: Any]] ?? [:] where document.resolve(header)["required"] as? Bool == true {
            #expect(exchange.headers.first(name: name) != nil, "\(label): no \(name) header", sourceLocation: sourceLocation)
        }
        let mediaType = String(exchange.contentType.prefix { $0 != ";" })
        let content = response["content"] as? [String: [String: Any]] ?? [:]
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
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/story.json")
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
}
