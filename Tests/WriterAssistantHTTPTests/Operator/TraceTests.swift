import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import RemoteEngine
import Synchronization
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import WriterAssistantTestSupport

/// Traces as an operator's collector receives them, over real sockets: the request's span continues
/// a proxy's trace, the operation and its phases and the model's work hang beneath it, and the
/// trace goes on to the model server.
@Suite struct TraceTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let proxySpanID = "00f067aa0ba902b7"

    @Test func aRequestsSpansReachTheCollectorAndTheTraceGoesOnToTheModelServer() async throws {
        let collector = TraceCollector(), peer = RecordingModelServer()
        try await collector.serve { collectorURL in
            try await peer.serve { peerURL in
                let pool = try await RemotePool.connect(.init(upstreams: [RemoteEngine.Configuration(baseURL: peerURL, connectTimeout: .seconds(5))]))
                defer { pool.shutdown() }
                // Spans wait longer than the test: only the flush when the server stops sends them.
                let configuration = ServerConfiguration(traces: TraceExport(endpoint: collectorURL, encoding: .json, batchDelay: .seconds(60)))
                try await TestServer.with(host: ModelHost(.ready(pool)), configuration: configuration) { server in
                    let response = try await server.post(
                        "/api/v1/rater-feedback?q=the+red+door", body: ByteBuffer(data: try JSONEncoder().encode(minimalRequest)),
                        headers: [
                            ("Content-Type", "application/json"), ("X-Request-Id", "trace-test-1"),
                            ("traceparent", "00-\(Self.traceID)-\(Self.proxySpanID)-01"),
                        ])
                    #expect(response.status == .ok)
                    _ = try await response.body.collect(upTo: 1 << 20)
                }
            }
            // The server stopped: what was left has been sent.
            let spans = try await collector.spans(until: { $0.contains { $0.kind == 3 } })
            let request = try #require(spans.first { $0.kind == 2 }, "\(spans.map(\.name))")
            #expect(request.name == "/api/v1/rater-feedback")
            #expect(request.traceID == Self.traceID)
            #expect(request.parentSpanID == Self.proxySpanID)
            #expect(request.attributes["writer_assistant.request_id"] == "trace-test-1")
            #expect(request.attributes["http.response.status_code"] == "200")
            #expect(request.attributes["url.query"] == nil, "a query may hold the writer's words")

            let operation = try #require(spans.first { $0.name == "rater-feedback" })
            #expect(operation.parentSpanID == request.spanID)
            #expect(operation.events == FeedbackPhase.allCases.map(\.rawValue))

            let model = try #require(spans.first { $0.name == "chat recorded-model" })
            #expect(model.parentSpanID == operation.spanID)
            #expect(model.attributes["gen_ai.request.model"] == "recorded-model")
            #expect(model.attributes["gen_ai.usage.output_tokens"] == "7")
            #expect(model.attributes["gen_ai.response.finish_reasons"]?.contains("stop") == true)

            let call = try #require(spans.first { $0.kind == 3 })
            #expect(call.name == "POST")
            #expect(call.parentSpanID == model.spanID)
            #expect(call.attributes["server.address"] == "127.0.0.1")
            #expect(call.attributes["url.path"] == "/v1/chat/completions")
            #expect(call.attributes["http.response.status_code"] == "200")
            #expect(Set(spans.map(\.traceID)) == [Self.traceID])
            // The model server was told whose work it did: the trace, under the call's span.
            #expect(peer.traceparents == ["00-\(Self.traceID)-\(call.spanID)-01"])
        }
    }

    /// Without traces a client's `traceparent` is not copied through to the model server.
    @Test func withoutAnEndpointNoTraceIsPassedOn() async throws {
        let peer = RecordingModelServer()
        try await peer.serve { peerURL in
            let pool = try await RemotePool.connect(.init(upstreams: [RemoteEngine.Configuration(baseURL: peerURL, connectTimeout: .seconds(5))]))
            defer { pool.shutdown() }
            try await TestServer.with(host: ModelHost(.ready(pool))) { server in
                let response = try await server.post(
                    "/api/v1/rater-feedback", body: ByteBuffer(data: try JSONEncoder().encode(minimalRequest)),
                    headers: [("Content-Type", "application/json"), ("traceparent", "00-\(Self.traceID)-\(Self.proxySpanID)-01")])
                #expect(response.status == .ok)
            }
        }
        #expect(peer.traceparents == [nil])
    }
}

/// An OpenTelemetry collector in the test: takes OTLP/HTTP posts in JSON and keeps their spans.
final class TraceCollector: Sendable {
    struct Span: Sendable {
        var traceID: String
        var spanID: String
        var parentSpanID: String?
        var name: String
        /// OTLP's numbers: 1 internal, 2 server, 3 client.
        var kind: Int
        var attributes: [String: String]
        var events: [String]
    }

    private let received = Mutex<[Span]>([])

    /// Runs `body` with the collector's address (as an operator gives it, without the path).
    func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/traces") { [self] request, _ in
            let data = Data(buffer: try await request.body.collect(upTo: 1 << 22))
            let spans = try Self.spans(in: data)
            received.withLock { $0 += spans }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        return try await TestListener.serve(router, label: "trace-collector") { port in try await body("http://127.0.0.1:\(port)") }
    }

    /// The spans received, once `done` holds of them (or after ten seconds, as they are).
    func spans(until done: ([Span]) -> Bool) async throws -> [Span] {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let spans = received.withLock { $0 }
            if done(spans) { return spans }
            try await Task.sleep(for: .milliseconds(50))
        }
        return received.withLock { $0 }
    }

    /// OTLP's JSON: resource spans, scope spans, spans; ids in base64 as the exporter writes them.
    static func spans(in data: Data) throws -> [Span] {
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var spans: [Span] = []
        for resource in root["resourceSpans"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    var attributes: [String: String] = [:]
                    for attribute in span["attributes"] as? [[String: Any]] ?? [] {
                        if let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any] {
                            attributes[key] = value.values.first.map { "\($0)" } ?? ""
                        }
                    }
                    spans.append(Span(
                        traceID: hex(span["traceId"]), spanID: hex(span["spanId"]),
                        parentSpanID: span["parentSpanId"] == nil ? nil : hex(span["parentSpanId"]),
                        name: span["name"] as? String ?? "", kind: span["kind"] as? Int ?? 0, attributes: attributes,
                        events: (span["events"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }))
                }
            }
        }
        return spans
    }

    private static func hex(_ value: Any?) -> String {
        guard let text = value as? String, let bytes = Data(base64Encoded: text) else { return "" }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}

/// A model server that answers every chat completion with one rater's feedback and keeps the
/// `traceparent` each request carried.
final class RecordingModelServer: Sendable {
    private let received = Mutex<[String?]>([])

    var traceparents: [String?] { received.withLock { $0 } }

    func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[{"id":"recorded-model","object":"model"}]}"#)))
        }
        router.post("/v1/chat/completions") { [self] request, _ in
            _ = try await request.body.collect(upTo: 1 << 22)
            received.withLock { $0.append(request.headers[HTTPField.Name("traceparent")!]) }
            let answer = #"{"opinion": "A strong turn.", "suggestions": ["Show the door", "Slow the descent"]}"#
            let content = String(decoding: try JSONEncoder().encode(answer), as: UTF8.self)
            let stream = #"data: {"choices":[{"index":0,"delta":{"content":\#(content)},"finish_reason":null}]}"# + "\n\n"
                + #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":90,"completion_tokens":7,"total_tokens":97}}"# + "\n\n"
                + "data: [DONE]\n\n"
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: .init(byteBuffer: ByteBuffer(string: stream)))
        }
        return try await TestListener.serve(router, label: "recording-model-server") { port in try await body("http://127.0.0.1:\(port)/v1") }
    }
}
