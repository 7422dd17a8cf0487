import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import LlamaEngine
import WriterAssistantTestSupport

/// Huge stories are tokenized off the cooperative pool, within the queue's bound, and abandoned
/// with their clients.
@Suite(.serialized) struct PromptPreparationTests {
    /// About 7 MB of story, near the default body limit: seconds of tokenizing.
    static func hugeRequest(_ marker: String) -> RaterFeedbackRequest {
        let sentence = "The lighthouse keeper \(marker) counted ships each night and wrote their names in a ledger. "
        let chapter = String(repeating: sentence, count: 7_000_000 / sentence.utf8.count / 4)
        var request = minimalRequest
        request.structuredContext = StructuredContext(
            previousChapters: (1...4).map { Chapter(number: $0, title: "Part \($0)", content: chapter) })
        return request
    }

    @Test func hugeStoriesBeingPreparedDoNotStallTheServer() async throws {
        // An engine of its own, so that other suites' requests cannot blur the counts.
        let engine = try await LlamaEngine.load(TestModel.configuration())
        defer { engine.shutdown() }
        // Without summaries, whose writing would keep the engine busy after the clients left.
        let configuration = ServerConfiguration(
            pipeline: .init(sampling: SamplingParameters(temperature: 0, maxTokens: 200), summaryShare: 0))
        try await TestServer.with(host: ModelHost(.ready(engine)), configuration: configuration) { server in
            // Three writers send huge stories at once and give up after a few seconds.
            let clients = (0..<3).map { index in
                Task { try await server.post("/api/v1/rater-feedback", json: Self.hugeRequest("client-\(index)")) }
            }
            var sawPreparation = false
            var slowest = Duration.zero
            let until = ContinuousClock.now + .seconds(6)
            while ContinuousClock.now < until {
                sawPreparation = sawPreparation || engine.preparingPrompts > 0
                let asked = ContinuousClock.now
                #expect(try await server.get("/health").status == .ok)
                slowest = max(slowest, ContinuousClock.now - asked)
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(sawPreparation)
            // Without the preparation thread, two tokenizing requests hold both cooperative
            // threads of a two-core machine and /health waits seconds.
            #expect(slowest < .seconds(1), "slowest /health: \(slowest)")

            for client in clients { client.cancel() }
            // Work of clients that left is dropped: at most the prompt being tokenized finishes.
            let deadline = ContinuousClock.now + .seconds(20)
            while engine.preparingPrompts + engine.waitingGenerations + engine.runningGenerations > 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(engine.preparingPrompts == 0 && engine.waitingGenerations == 0 && engine.runningGenerations == 0)
            let next = try await server.post("/api/v1/rater-feedback", json: minimalRequest)
            #expect(next.status == .ok)
        }
    }
}
