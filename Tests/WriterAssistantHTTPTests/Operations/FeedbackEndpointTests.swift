import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEventDecoding
import Testing
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import WriterAssistantTestSupport

/// The HTTP contract, over real sockets, with a scripted model so each failure can be staged.
@Suite struct FeedbackEndpointTests {
    static func host(_ script: ScriptedModel.Script) -> (ModelHost, ScriptedModel) {
        let model = ScriptedModel(script: script)
        return (ModelHost(.ready(model)), model)
    }

    @Test func theStreamHasTheContractsHeadersPhasesAndResult() async throws {
        let (host, _) = Self.host(.wellFormed())
        try await TestServer.with(host: host) { server in
            let (response, events) = try await server.stream(minimalRequest)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "content-type") == "text/event-stream; charset=utf-8")
            #expect(response.headers.first(name: "cache-control") == "no-cache")
            #expect(response.headers.first(name: "x-accel-buffering") == "no")
            #expect(response.headers.first(name: "connection") == "close")
            #expect(events.compactMap(\.event.phase) == FeedbackPhase.allCases)
            guard case .result(let result) = events.last?.event else { Issue.record("no result"); return }
            #expect(result.raterName == "Rater")
            #expect(result.feedback.opinion.contains("eerie"))
        }
    }

    @Test func bothEndpointsReturnTheSameResultStructure() async throws {
        let (host, _) = Self.host(.wellFormed())
        try await TestServer.with(host: host) { server in
            var request = minimalRequest
            request.raterName = "Pacing"
            let response = try await server.post("/api/v1/rater-feedback", json: request)
            #expect(response.status == .ok)
            let synchronous = try await response.decode(RaterFeedbackResult.self)
            let (_, events) = try await server.stream(request)
            guard case .result(let streamed) = events.last?.event else { Issue.record("no result"); return }
            #expect(synchronous.raterName == "Pacing")
            #expect(synchronous.feedback == streamed.feedback)
            #expect(synchronous.contextMetadata.tokens == streamed.contextMetadata.tokens)
        }
    }

    @Test func theResultEventIsShapedAsTheSpecShows() async throws {
        let (host, _) = Self.host(.wellFormed())
        try await TestServer.with(host: host) { server in
            let response = try await server.post("/api/v1/rater-feedback/stream", json: minimalRequest)
            let text = String(decoding: try await response.bodyData(), as: UTF8.self)
            let lines = text.split(separator: "\n\n").map { String($0) }
            #expect(lines.allSatisfy { $0.hasPrefix("data: {") && !$0.dropFirst(6).contains("\n") })
            let last = try #require(lines.last?.dropFirst(6))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
            #expect(object["type"] as? String == "result")
            #expect(object["status"] as? String == "complete")
            let data = try #require(object["data"] as? [String: Any])
            let metadata = try #require(data["context_metadata"] as? [String: Any])
            #expect(metadata["tokens"] is Int)
            #expect(metadata["processing_time"] is Double)
            let first = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].dropFirst(6).utf8)) as? [String: Any])
            #expect(first["type"] as? String == "status")
            #expect(first["phase"] as? String == "context_processing")
            #expect(first["progress"] as? Int == 20)
            #expect((first["message"] as? String)?.isEmpty == false)
        }
    }

    @Test func tokenEventsOnlyWhenAskedFor() async throws {
        let (host, _) = Self.host(.wellFormed())
        try await TestServer.with(host: host) { server in
            let (_, plain) = try await server.stream(minimalRequest)
            #expect(!plain.contains { if case .token = $0.event { true } else { false } })
            let (_, withTokens) = try await server.stream(minimalRequest, query: "?tokens=true")
            let text = withTokens.compactMap { if case .token(let text) = $0.event { text } else { nil } }.joined()
            #expect(text.hasPrefix(#"{"opinion""#))
        }
    }

    @Test func withoutAModelTheStreamSaysSoAtOnceAndSyncIs503() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let (response, events) = try await server.stream(minimalRequest)
            #expect(response.status == .ok)
            #expect(events.map(\.event) == [
                .error(message: "LLM not initialized. Start server with --model-path", code: .llmNotAvailable)
            ])
            let synchronous = try await server.post("/api/v1/rater-feedback", json: minimalRequest)
            #expect(synchronous.status.code == 503)
            let body = try await synchronous.decode(ErrorResponse.self)
            #expect(body == ErrorResponse(detail: "LLM not initialized. Start server with --model-path", errorCode: .llmNotAvailable))
        }
    }

    @Test func whileTheModelLoadsBothEndpointsSayLoading() async throws {
        try await TestServer.with(host: ModelHost(.loading(name: "model.gguf"))) { server in
            let (_, events) = try await server.stream(minimalRequest)
            guard case .error(_, let code) = events.first?.event, events.count == 1 else { Issue.record("\(events)"); return }
            #expect(code == .llmLoading)
            let synchronous = try await server.post("/api/v1/rater-feedback", json: minimalRequest)
            #expect(synchronous.status.code == 503)
            #expect(try await synchronous.decode(ErrorResponse.self).errorCode == .llmLoading)
        }
    }

    struct FailureCase: Sendable {
        var script: ScriptedModel.Script
        var timeout: Duration
        var code: ErrorCode
        var status: Int
    }

    static let failures: [FailureCase] = [
        FailureCase(script: .init(answer: ["{", "x"], failure: .evaluationFailed(status: -1), failAfterPieces: 1),
                    timeout: .seconds(30), code: .generationFailed, status: 500),
        FailureCase(script: .wellFormed(pieceDelay: .seconds(2)), timeout: .milliseconds(300), code: .generationTimeout, status: 504),
        FailureCase(script: .init(answer: ["no json here"]), timeout: .seconds(30), code: .parsingError, status: 500),
        FailureCase(script: .init(answer: [], failure: .queueFull(limit: 64)), timeout: .seconds(30), code: .serverBusy, status: 503),
    ]

    @Test(arguments: failures)
    func failuresAreErrorEventsOnTheStreamAndStatusCodesOnSync(_ failure: FailureCase) async throws {
        let (host, _) = Self.host(failure.script)
        let configuration = ServerConfiguration(pipeline: .init(generationTimeout: failure.timeout))
        try await TestServer.with(host: host, configuration: configuration) { server in
            let (response, events) = try await server.stream(minimalRequest)
            #expect(response.status == .ok)
            guard case .error(let message, let code) = events.last?.event else { Issue.record("\(events)"); return }
            #expect(code == failure.code)
            #expect(!message.isEmpty && !message.contains("Error("))

            let synchronous = try await server.post("/api/v1/rater-feedback", json: minimalRequest)
            #expect(Int(synchronous.status.code) == failure.status)
            if failure.code == .serverBusy { #expect(synchronous.headers.first(name: "retry-after") != nil) }
            let body = try await synchronous.decode(ErrorResponse.self)
            #expect(body.errorCode == failure.code)
            #expect(body.detail == message)
        }
    }

    @Test func eventsArriveAsTheyHappen() async throws {
        let (host, _) = Self.host(.init(answer: ScriptedModel.Script.wellFormed().answer, promptEvaluationDelay: .milliseconds(800)))
        try await TestServer.with(host: host) { server in
            let started = ContinuousClock.now
            let (_, events) = try await server.stream(minimalRequest)
            let first = try #require(events.first)
            let last = try #require(events.last)
            #expect(first.event.phase == .contextProcessing)
            #expect(first.arrived - started < .milliseconds(600))
            #expect(last.arrived - first.arrived >= .milliseconds(700))
        }
    }

    @Test func aQuietStreamIsKeptAliveWithComments() async throws {
        let (host, _) = Self.host(.init(answer: ScriptedModel.Script.wellFormed().answer, promptEvaluationDelay: .milliseconds(700)))
        let configuration = ServerConfiguration(keepAliveInterval: .milliseconds(200))
        try await TestServer.with(host: host, configuration: configuration) { server in
            let response = try await server.post("/api/v1/rater-feedback/stream", json: minimalRequest)
            let text = String(decoding: try await response.bodyData(), as: UTF8.self)
            let comments = text.components(separatedBy: ": keep-alive\n\n").count - 1
            #expect(comments >= 2)
            var parser = ServerSentEventDecoder()
            #expect(parser.feed(Array(text.utf8)).count == 6)
        }
    }

    @Test func aClientThatLeavesCancelsItsGeneration() async throws {
        let (host, model) = Self.host(.wellFormed(pieceDelay: .seconds(1)))
        try await TestServer.with(host: host) { server in
            let reader = Task {
                let response = try await server.post("/api/v1/rater-feedback/stream", json: minimalRequest)
                var parser = ServerSentEventDecoder()
                for try await chunk in response.body {
                    if parser.feed(chunk.readableBytesView).contains(where: { $0.data.contains("generating_feedback") }) {
                        return  // leaves mid-answer; the connection closes
                    }
                }
            }
            try await reader.value
            for _ in 0..<300 where model.observed.cancelled == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(model.observed.cancelled == 1)
            #expect(model.observed.finished == 0)
            #expect(try await server.get("/health").status == .ok)
        }
    }

    /// The synchronous endpoint watches for its client leaving, which ends the connection with
    /// the response; saying so keeps clients from reusing it.
    @Test func theSynchronousEndpointSaysItClosesTheConnection() async throws {
        let (host, _) = Self.host(.wellFormed())
        try await TestServer.with(host: host) { server in
            let success = try await server.post("/api/v1/rater-feedback", json: minimalRequest)
            #expect(success.status == .ok)
            #expect(success.headers.first(name: "connection") == "close")
            let failure = try await server.post("/api/v1/rater-feedback", json: RaterFeedbackRequest(raterPrompt: "x", plotPoint: String(repeating: "word ", count: 5000)))
            #expect(failure.status == .badRequest)
            #expect(failure.headers.first(name: "connection") == "close")
        }
    }

    @Test func aClientThatLeavesTheSynchronousEndpointCancelsItsGeneration() async throws {
        let (host, model) = Self.host(.wellFormed(pieceDelay: .seconds(1)))
        try await TestServer.with(host: host) { server in
            let caller = Task { try await server.post("/api/v1/rater-feedback", json: minimalRequest) }
            for _ in 0..<300 where model.observed.started == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            caller.cancel()  // closes the connection while the model writes
            _ = await caller.result
            for _ in 0..<300 where model.observed.cancelled == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(model.observed.cancelled == 1)
            #expect(model.observed.finished == 0)
            #expect(try await server.get("/health").status == .ok)
        }
    }

    @Test func healthAndRootDescribeTheModel() async throws {
        let (host, _) = Self.host(.wellFormed())
        try await TestServer.with(host: host) { server in
            let health = try JSONSerialization.jsonObject(with: try await server.get("/health").bodyData()) as? [String: Any]
            #expect(health?["status"] as? String == "healthy")
            #expect(health?["llm_available"] as? Bool == true)
            #expect(health?["llm_loading"] as? Bool == false)
            #expect(health?["model"] as? String == "scripted-model")
            let root = try JSONSerialization.jsonObject(with: try await server.get("/").bodyData()) as? [String: Any]
            #expect(root?["llm_status"] as? String == "ready")
            #expect(root?["name"] as? String == "Writer Assistant")
        }
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let health = try JSONSerialization.jsonObject(with: try await server.get("/health").bodyData()) as? [String: Any]
            #expect(health?["llm_available"] as? Bool == false)
            #expect((health?["llm_error"] as? String)?.contains("--model-path") == true)
        }
    }

    @Test func browsersOnAnAllowedOriginMayCall() async throws {
        let (host, _) = Self.host(.wellFormed())
        try await TestServer.with(host: host) { server in
            let preflight = try await server.options("/api/v1/rater-feedback/stream", headers: [
                ("Origin", "http://localhost:4200"), ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type"),
            ])
            #expect(preflight.status == .noContent || preflight.status == .ok)
            #expect(preflight.headers.first(name: "access-control-allow-origin") == "http://localhost:4200")
            #expect(preflight.headers.first(name: "access-control-allow-methods")?.contains("POST") == true)

            let allowed = try await server.get("/health", headers: [("Origin", "http://localhost:4200")])
            #expect(allowed.headers.first(name: "access-control-allow-origin") == "http://localhost:4200")
            let foreign = try await server.get("/health", headers: [("Origin", "http://evil.example")])
            #expect(foreign.headers.first(name: "access-control-allow-origin") == nil)
        }
    }
}
