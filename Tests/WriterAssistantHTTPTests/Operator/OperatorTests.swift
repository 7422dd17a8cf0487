import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantWebApp
import WriterAssistantLLM
import WriterAssistantTestSupport

/// What an operator gets: request ids, one log line per request, metrics, API keys and a
/// graceful shutdown.
@Suite struct OperatorTests {
    static func host(_ script: ScriptedModel.Script = .wellFormed()) -> ModelHost {
        ModelHost(.ready(ScriptedModel(script: script)))
    }

    // MARK: Request ids

    @Test func everyAnswerCarriesARequestIdAndAUsableOneIsKept() async throws {
        try await TestServer.with(host: Self.host()) { server in
            let generated = try await server.get("/health")
            let id = try #require(generated.headers.first(name: "X-Request-Id"))
            #expect(UUID(uuidString: id) != nil)
            #expect(try await server.get("/health").headers.first(name: "X-Request-Id") != id)

            let kept = try await server.get("/health", headers: [("X-Request-Id", "trace-42.a:b")])
            #expect(kept.headers.first(name: "X-Request-Id") == "trace-42.a:b")
            // Text that could break a log line or a header is not echoed.
            for hostile in ["has space", String(repeating: "a", count: 200), "quote\"d<script>"] {
                let replaced = try await server.get("/health", headers: [("X-Request-Id", hostile)])
                #expect(replaced.headers.first(name: "X-Request-Id").flatMap { UUID(uuidString: $0) } != nil)
            }

            // Refusals and streams carry one too.
            let refused = try await server.post("/api/v1/rater-feedback", body: ByteBuffer(string: "{}"), headers: [("Content-Type", "text/plain")])
            #expect(refused.status == .unsupportedMediaType)
            #expect(refused.headers.first(name: "X-Request-Id") != nil)
            let invalid = try await server.post("/api/v1/rater-feedback", raw: "{}")
            #expect(invalid.status.code == 422)
            #expect(invalid.headers.first(name: "X-Request-Id") != nil)
            let (stream, _) = try await server.stream(minimalRequest)
            #expect(stream.headers.first(name: "X-Request-Id") != nil)
        }
    }

    /// One info line per request, once its answer is complete, with the request's id, outcome and
    /// figures; the pipeline's own lines carry the same id.
    @Test func eachRequestIsLoggedOnceWithItsOutcome() async throws {
        let capture = LogCapture()
        var logger = Logger(label: "test-server") { _ in capture.handler }
        logger.logLevel = .debug
        try await TestServer.with(host: Self.host(), logger: logger) { server in
            var request = HTTPClientRequest(url: server.baseURL + "/api/v1/rater-feedback/stream")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "X-Request-Id", value: "panel-7")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(minimalRequest)))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            _ = try await server.post("/api/v1/rater-feedback", json: RaterFeedbackRequest(raterPrompt: " ", plotPoint: "x"))
            try await Task.sleep(for: .milliseconds(200))
        }
        let requestLines = capture.entries.filter { $0.message.hasPrefix("POST ") }
        #expect(requestLines.count == 2, "\(capture.entries.map(\.message))")
        let stream = try #require(requestLines.first { $0.metadata["request_id"] == "panel-7" })
        #expect(stream.level == .info)
        #expect(stream.message == "POST /api/v1/rater-feedback/stream")
        #expect(stream.metadata["status"] == "200")
        #expect(stream.metadata["outcome"] == "served")
        #expect(stream.metadata["prompt_tokens"].flatMap { Int($0) }.map { $0 > 0 } == true)
        #expect(stream.metadata["first_token_seconds"] != nil)
        let refused = try #require(requestLines.first { $0.metadata["request_id"] != "panel-7" })
        #expect(refused.metadata["status"] == "422")
        #expect(refused.metadata["error_code"] == "VALIDATION_ERROR")
    }

    @Test func aFailureIsLoggedWithItsCause() async throws {
        let capture = LogCapture()
        let logger = Logger(label: "test-server") { _ in capture.handler }
        let failing = ScriptedModel.Script(answer: ["{", "x"], failure: .evaluationFailed(status: -3), failAfterPieces: 1)
        try await TestServer.with(host: Self.host(failing), logger: logger) { server in
            _ = try await server.stream(minimalRequest)
            try await Task.sleep(for: .milliseconds(200))
        }
        let failure = try #require(capture.entries.first { $0.message == "Operation failed" })
        #expect(failure.level == .error)
        #expect(failure.metadata["operation"] == "rater-feedback")
        #expect(failure.metadata["reason"]?.contains("-3") == true)
        #expect(failure.metadata["request_id"] != nil)
    }

    // MARK: Metrics

    @Test func metricsCountRequestsByEndpointAndOutcome() async throws {
        try await TestServer.with(host: Self.host()) { server in
            _ = try await server.stream(minimalRequest)
            _ = try await server.post("/api/v1/rater-feedback", json: minimalRequest)
            _ = try await server.post("/api/v1/rater-feedback", body: ByteBuffer(string: "{}"), headers: [("Content-Type", "text/plain")])
            try await Task.sleep(for: .milliseconds(100))

            let response = try await server.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(decoding: try await response.bodyData(), as: UTF8.self)
            let lines = text.split(separator: "\n").map(String.init)
            func value(_ prefix: String) -> Double? {
                lines.first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            #expect(lines.contains { $0.hasPrefix("writer_assistant_requests_total{") && $0.contains(#"endpoint="/api/v1/rater-feedback/stream""#) && $0.contains(#"outcome="served""#) && $0.hasSuffix(" 1") })
            #expect(lines.contains { $0.contains(#"error_code="UNSUPPORTED_MEDIA_TYPE""#) && $0.contains(#"status="415""#) && $0.hasSuffix(" 1") })
            #expect(value("writer_assistant_time_to_first_token_seconds_count") == 2)
            #expect((value("writer_assistant_prompt_tokens_total") ?? 0) > 0)
            #expect((value("writer_assistant_completion_tokens_total") ?? 0) > 0)
            #expect(value("writer_assistant_queue_depth") == 0)
            #expect(value("writer_assistant_active_slots") == 0)
            #expect(lines.contains { $0.hasPrefix(#"writer_assistant_phase_duration_seconds_count{phase="evaluating"}"#) })
        }
    }

    @Test func aClientThatLeavesIsCountedAsADisconnectAndACancellation() async throws {
        let model = ScriptedModel(script: .wellFormed(pieceDelay: .milliseconds(300)))
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            let client = Task { try await server.stream(minimalRequest) }
            // Left while its answer is being written, however slowly this machine gets there.
            let deadline = ContinuousClock.now + .seconds(10)
            while model.observed.started == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            client.cancel()
            var text = ""
            repeat {
                try await Task.sleep(for: .milliseconds(100))
                text = String(decoding: try await server.get("/metrics").bodyData(), as: UTF8.self)
            } while !text.contains(#"outcome="client_left""#) && ContinuousClock.now < deadline
            #expect(text.contains(#"writer_assistant_client_disconnects_total{endpoint="/api/v1/rater-feedback/stream"} 1"#), "\(text)")
            #expect(text.contains(#"writer_assistant_cancellations_total{reason="client_left"} 1"#))
            #expect(text.contains(#"outcome="client_left""#))
        }
    }

    // MARK: Model servers

    /// A model generating on two model servers, the second of which stopped answering.
    struct ServedElsewhere: ModelServerPool {
        var descriptor: ModelDescriptor { ModelDescriptor(name: "pooled", contextLength: 4096) }
        var allDown = false
        func countTokens(_ text: String) async throws -> Int { text.utf8.count / 4 }
        func prepare(_ messages: [ChatMessage]) async throws -> PreparedPrompt {
            PreparedPrompt(messages: messages, tokenCount: 10)
        }
        func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
            AsyncThrowingStream { $0.finish(throwing: LanguageModelError.peerUnavailable(reason: "gone")) }
        }
        var unavailability: String? { allDown ? "http://gpu-b:8000 did not answer" : nil }
        var servers: [ModelServerStatus] {
            [
                ModelServerStatus(address: "http://gpu-a:8000", isAvailable: !allDown, generations: 7, load: ModelLoad(running: 2, waiting: 1)),
                ModelServerStatus(address: "http://gpu-b:8000", isAvailable: false, reason: "did not answer", generations: 3, load: ModelLoad(running: 0, waiting: 0)),
            ]
        }
        func watchServers() async {}
    }

    /// Writers with keys are not the operator: an answer the model cannot give says so in fixed
    /// words, without the model file's path; where the writer runs the server, it says why.
    @Test func aFailedModelIsExplainedOnlyWhereTheWriterRunsTheServer() async throws {
        let failed = ModelHost(.failed(name: "novel.gguf", reason: "cannot open /home/ana/models/novel.gguf"))
        let body = ByteBuffer(string: #"{"raterPrompt": "x", "plotPoint": "y"}"#)
        try await TestServer.with(host: failed, configuration: ServerConfiguration(apiKeys: ["first-key-123"])) { server in
            let response = try await server.post(
                "/api/v1/rater-feedback", body: body,
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer first-key-123")])
            let error = try await response.decode(ErrorResponse.self)
            #expect(error.errorCode == .llmNotAvailable && !error.detail.contains("/home"), "\(error.detail)")
            let health = try await server.get("/health").decode(HealthStatus.self)
            #expect(health.llmError == OperationFailure.modelUnavailableMessage)
        }
        try await TestServer.with(host: failed) { server in
            let response = try await server.post("/api/v1/rater-feedback", body: body, headers: [("Content-Type", "application/json")])
            #expect(try await response.decode(ErrorResponse.self).detail.contains("/home/ana/models/novel.gguf"))
        }
    }

    /// A pool whose servers have not named their model goes by their addresses: writers with keys
    /// are told neither on /health (open to all) nor in errors and answers.
    @Test func aPoolNamedByItsAddressesIsNotNamedToWritersWithKeys() async throws {
        let loading = ModelHost(.loading(name: "http://10.0.0.5:8080/v1"))
        let keyed = ServerConfiguration(apiKeys: ["first-key-123"])
        let body = ByteBuffer(string: #"{"raterPrompt": "x", "plotPoint": "y"}"#)
        let headers = [("Content-Type", "application/json"), ("Authorization", "Bearer first-key-123")]
        try await TestServer.with(host: loading, configuration: keyed) { server in
            let health = try await server.get("/health").decode(HealthStatus.self)
            #expect(health.llmLoading && health.model == "a model server")
            let error = try await server.post("/api/v1/rater-feedback", body: body, headers: headers).decode(ErrorResponse.self)
            #expect(error.errorCode == .llmLoading && !error.detail.contains("10.0.0.5"), "\(error.detail)")
            let counted = try await server.post("/api/v1/tokens", body: ByteBuffer(string: #"{"texts": ["a"]}"#), headers: headers)
            let refusal = try await counted.decode(ErrorResponse.self)
            #expect(refusal.errorCode == .llmLoading && !refusal.detail.contains("10.0.0.5"), "\(refusal.detail)")
        }
        try await TestServer.with(host: loading) { server in
            let health = try await server.get("/health").decode(HealthStatus.self)
            #expect(health.model == "http://10.0.0.5:8080/v1")
        }
        // llama.cpp's server names its model by the path it was started with.
        let byPath = ModelHost(.loading(name: "/srv/ana/models/novel-q4.gguf"))
        try await TestServer.with(host: byPath, configuration: keyed) { server in
            let health = try await server.get("/health").decode(HealthStatus.self)
            #expect(health.model == "novel-q4.gguf")
            let error = try await server.post("/api/v1/rater-feedback", body: body, headers: headers).decode(ErrorResponse.self)
            #expect(error.errorCode == .llmLoading && !error.detail.contains("/srv/ana"), "\(error.detail)")
        }
    }

    @Test func healthListsTheModelServersOnAServerWithoutKeysAndMetricsAlways() async throws {
        try await TestServer.with(host: ModelHost(.ready(ServedElsewhere()))) { server in
            let health = try await server.get("/health").decode(HealthStatus.self)
            #expect(health.llmAvailable)
            #expect(health.modelServers == [
                HealthStatus.ModelServer(address: "http://gpu-a:8000", available: true, generations: 7, activeRequests: 2, queuedRequests: 1),
                HealthStatus.ModelServer(address: "http://gpu-b:8000", available: false, error: "did not answer", generations: 3, activeRequests: 0, queuedRequests: 0),
            ])
        }
        try await TestServer.with(host: ModelHost(.ready(ServedElsewhere(allDown: true)))) { server in
            let health = try await server.get("/health").decode(HealthStatus.self)
            #expect(!health.llmAvailable && health.llmError == "http://gpu-b:8000 did not answer")
        }
        let keyed = ServerConfiguration(apiKeys: ["first-key-123"])
        try await TestServer.with(host: ModelHost(.ready(ServedElsewhere())), configuration: keyed) { server in
            let health = try await server.get("/health").decode(HealthStatus.self)
            #expect(health.modelServers == nil, "/health needs no key: it names no hosts")
        }
        try await TestServer.with(host: ModelHost(.ready(ServedElsewhere(allDown: true))), configuration: keyed) { server in
            let health = try await server.get("/health").decode(HealthStatus.self)
            #expect(!health.llmAvailable && health.llmError == OperationFailure.modelUnavailableMessage, "no host in \(String(describing: health.llmError))")
            let metrics = String(decoding: try await server.get("/metrics", headers: [("Authorization", "Bearer first-key-123")]).bodyData(), as: UTF8.self)
            #expect(metrics.contains(#"writer_assistant_model_server_up{server="http://gpu-b:8000"} 0"#), "\(metrics)")
            #expect(metrics.contains(#"writer_assistant_model_server_generations{server="http://gpu-a:8000"} 7"#))
        }
    }

    // MARK: API keys

    @Test func withKeysTheAPIAndMetricsNeedOneAndTheRestStaysOpen() async throws {
        let configuration = ServerConfiguration(webRoot: WebAppBundle.root, apiKeys: ["first-key-123", "second-key-456"])
        try await TestServer.with(host: Self.host(), configuration: configuration) { server in
            for headers in [[], [("Authorization", "Bearer wrong-key-000")], [("Authorization", "Basic Zmlyc3Q=")], [("Authorization", "Bearer first-key-12")]] {
                var request = HTTPClientRequest(url: server.baseURL + "/api/v1/rater-feedback")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                for (name, value) in headers { request.headers.add(name: name, value: value) }
                request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(minimalRequest)))
                let refused = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                #expect(refused.status == .unauthorized)
                #expect(refused.headers.first(name: "WWW-Authenticate") == "Bearer")
                #expect(try await refused.decode(ErrorResponse.self).errorCode == .unauthorized)
            }
            #expect(try await server.get("/metrics").status == .unauthorized)
            // However the path is spelled, the route it reaches needs the key.
            for path in ["//metrics", "/metrics/", "///metrics"] {
                #expect(try await server.get(path).status == .unauthorized, "\(path)")
            }
            for path in ["//api/v1/rater-feedback", "/api/v1/rater-feedback/", "/api//v1/rater-feedback"] {
                let sneaky = try await server.post(path, json: minimalRequest)
                #expect(sneaky.status == .unauthorized || sneaky.status == .notFound, "\(path): \(sneaky.status)")
            }

            let allowed = try await server.post(
                "/api/v1/rater-feedback", body: ByteBuffer(bytes: try JSONEncoder().encode(minimalRequest)),
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer second-key-456")])
            #expect(allowed.status == .ok)
            #expect(try await server.get("/metrics", headers: [("Authorization", "bearer first-key-123")]).status == .ok)

            #expect(try await server.get("/health").status == .ok)
            #expect(try await server.get("/api/v1/openapi.json").status == .ok)
            #expect(try await server.get("/", headers: [("Accept", "text/html")]).status == .ok)
            let preflight = try await server.options("/api/v1/rater-feedback/stream", headers: [
                ("Origin", "http://localhost:4200"), ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "authorization,content-type"),
            ])
            #expect((200..<300).contains(Int(preflight.status.code)))
            #expect(preflight.headers.first(name: "Access-Control-Allow-Headers")?.lowercased().contains("authorization") == true)
        }
    }

    // MARK: Shutdown

    /// On shutdown a stream that finishes within the grace ends normally; one that does not ends
    /// with `SERVER_SHUTTING_DOWN`, and the server stops.
    @Test func shutdownGivesRunningAnswersTheirGraceThenEndsThem() async throws {
        let slow = ScriptedModel(script: .wellFormed(pieceDelay: .milliseconds(400)))
        let configuration = ServerConfiguration(shutdownGracePeriod: .seconds(1))
        let started = ContinuousClock.now
        let events = try await TestServer.with(host: ModelHost(.ready(slow)), configuration: configuration) { server in
            async let streamed = server.stream(minimalRequest)
            try await Task.sleep(for: .milliseconds(600))
            await server.beginShutdown()
            return try await streamed.1
        }
        #expect(ContinuousClock.now - started < .seconds(8))
        guard case .error(let message, let code) = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
        #expect(code == .serverShuttingDown)
        #expect(message.contains("shutting down"))
        #expect(slow.observed.cancelled == 1)
    }

    /// A client that stops reading leaves its stream blocked on a full socket, where no event
    /// can reach it; the server still stops shortly after the grace.
    @Test func aClientThatStopsReadingCannotHoldTheServerUp() async throws {
        // Several megabytes of token events, more than the socket buffers hold.
        let flood = ScriptedModel(script: .init(answer: Array(repeating: String(repeating: "word ", count: 80), count: 30_000)))
        let configuration = ServerConfiguration(shutdownGracePeriod: .milliseconds(500))
        let stopped = ContinuousClock.now
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await TestServer.with(host: ModelHost(.ready(flood)), configuration: configuration) { server in
                    let connection = try RawConnection(port: server.port)
                    let body = String(decoding: try JSONEncoder().encode(minimalRequest), as: UTF8.self)
                    connection.sendAll("POST /api/v1/rater-feedback/stream?tokens=true HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
                    try await Task.sleep(for: .seconds(2))
                    await server.beginShutdown()
                    withExtendedLifetime(connection) {}
                }
                return true
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        #expect(finished, "the server did not stop")
        #expect(ContinuousClock.now - stopped < .seconds(2) + configuration.shutdownGracePeriod + ServerConfiguration.shutdownMargin + .seconds(3))
    }

    @Test func anAnswerThatFinishesWithinTheGraceIsDelivered() async throws {
        let quick = ScriptedModel(script: .wellFormed(pieceDelay: .milliseconds(50)))
        let configuration = ServerConfiguration(shutdownGracePeriod: .seconds(10))
        let (events, synchronous) = try await TestServer.with(host: ModelHost(.ready(quick)), configuration: configuration) { server in
            async let streamed = server.stream(minimalRequest)
            async let answered = server.post("/api/v1/rater-feedback", json: minimalRequest)
            try await Task.sleep(for: .milliseconds(200))
            await server.beginShutdown()
            return (try await streamed.1, try await answered.status)
        }
        guard case .result = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
        #expect(synchronous == .ok)
    }

    @Test func aSynchronousAnswerPastTheGraceIs503ShuttingDown() async throws {
        let slow = ScriptedModel(script: .wellFormed(pieceDelay: .milliseconds(400)))
        let configuration = ServerConfiguration(shutdownGracePeriod: .milliseconds(300))
        let (status, body) = try await TestServer.with(host: ModelHost(.ready(slow)), configuration: configuration) { server in
            async let answered = server.post("/api/v1/rater-feedback", json: minimalRequest)
            try await Task.sleep(for: .milliseconds(300))
            await server.beginShutdown()
            let response = try await answered
            return (response.status, try await response.decode(ErrorResponse.self))
        }
        #expect(status == .serviceUnavailable)
        #expect(body.errorCode == .serverShuttingDown)
    }
}

/// Keeps every log entry, for tests that read what was logged.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage = Mutex<[Entry]>([])

    var entries: [Entry] { storage.withLock { $0 } }

    func append(_ entry: Entry) {
        storage.withLock { $0.append(entry) }
    }

    /// A handler per logger, as swift-log expects (each keeps its own metadata), all writing here.
    var handler: Handler { Handler(capture: self) }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
            file: String, function: String, line: UInt
        ) {
            let merged = self.metadata.merging(metadata ?? [:]) { $1 }
            capture.append(Entry(level: level, message: "\(message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
