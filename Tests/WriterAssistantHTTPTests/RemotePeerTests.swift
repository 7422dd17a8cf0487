import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import WriterAssistantClient
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import RemoteEngine

/// The server generating through a real OpenAI-compatible peer (llama-cpp-python's server with
/// the default model), over real sockets at both ends.
@Suite(.serialized) struct RemotePeerTests {
    static let request = RealModelTests.story

    static func withServer<T: Sendable>(
        peer: LlamaCppPeer, _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let host = ModelHost()
        let loader = ModelLoadingService(host: host, modelName: "peer", logger: TestServer.quietLogger) {
            try await RemoteEngine.connect(.init(baseURL: peer.baseURL, dialect: .llamaCpp))
        }
        let sampling = SamplingParameters(temperature: 0, maxTokens: 300)
        return try await TestServer.with(
            host: host, configuration: ServerConfiguration(pipeline: .init(sampling: sampling)), modelLoader: loader
        ) { server in
            while case .loading = host.status { try await Task.sleep(for: .milliseconds(50)) }
            return try await body(server)
        }
    }

    @Test func bothEndpointsAnswerThroughThePeerWithEveryPhaseAndItsTokens() async throws {
        let peer = LlamaCppPeer()
        try await peer.start()
        defer { peer.stop() }
        try await Self.withServer(peer: peer) { server in
            let (response, events) = try await server.stream(Self.request, query: "?tokens=true")
            #expect(response.status == .ok)
            #expect(events.compactMap(\.event.phase) == FeedbackPhase.allCases)
            let tokens = events.compactMap { if case .token(let text) = $0.event { text } else { nil } }
            #expect(tokens.count > 5)
            guard case .result(let result) = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
            #expect(AnswerFormat.suggestionRange.contains(result.feedback.suggestions.count))
            #expect(!result.feedback.opinion.isEmpty)
            // The peer's own counts.
            #expect((result.contextMetadata.promptTokens ?? 0) > 100)
            #expect(result.contextMetadata.completionTokens == tokens.count || result.contextMetadata.completionTokens ?? 0 > 5)

            let synchronous = try await server.post("/api/v1/rater-feedback", json: Self.request)
            #expect(synchronous.status == .ok)
            let body = try await synchronous.body.collect(upTo: 1 << 20)
            let decoded = try JSONDecoder().decode(RaterFeedbackResult.self, from: Data(buffer: body))
            #expect(AnswerFormat.suggestionRange.contains(decoded.feedback.suggestions.count))
        }
    }

    @Test func aPeerKilledMidAnswerFailsTheAnswerWithinTwoSecondsAndServesAgainOnceBack() async throws {
        let peer = LlamaCppPeer()
        try await peer.start()
        defer { peer.stop() }
        try await Self.withServer(peer: peer) { server in
            let response = try await server.post("/api/v1/rater-feedback/stream?tokens=true", json: Self.request)
            var decoder = ServerSentEventDecoder()
            var killed: ContinuousClock.Instant?
            var failure: (ErrorCode, Duration)?
            reading: for try await chunk in response.body {
                for raw in decoder.feed(chunk.readableBytesView) {
                    let event = try JSONDecoder().decode(StreamEvent.self, from: Data(raw.data.utf8))
                    if case .token = event, killed == nil {
                        peer.kill()
                        killed = .now
                    }
                    if case .error(_, let code) = event, let killed {
                        failure = (code, .now - killed)
                        break reading
                    }
                }
            }
            let (code, after) = try #require(failure)
            #expect(code == .generationFailed)
            #expect(after < .seconds(2))

            try await peer.start()
            let (_, events) = try await server.stream(Self.request)
            guard case .result = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
        }
    }
}
