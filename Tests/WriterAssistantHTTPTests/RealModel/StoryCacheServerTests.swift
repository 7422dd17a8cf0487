import Foundation
import LlamaEngine
import Testing
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import WriterAssistantTestSupport

/// The server spills the stories in its pool to disk when it stops, and a restarted server reads
/// them from its story cache: the server's own lifecycle, real sockets, the real model.
@Suite(.serialized) struct StoryCacheServerTests {
    static let chapter = String(repeating: "Ari mended the fence at dawn and counted the crows on the barn roof. ", count: 30)

    static func request(rater: String) -> RaterFeedbackRequest {
        var request = RealModelTests.story
        request.raterPrompt = rater
        request.structuredContext?.previousChapters = [Chapter(number: 1, title: "The Farm", content: chapter)]
        return request
    }

    /// Runs a server whose model loads in the background with a story cache in `directory`,
    /// as `writer-assistant serve` does, and stops it when `body` returns.
    static func withServer<T: Sendable>(
        cacheIn directory: String, apiKeys: [String] = [], _ body: @Sendable (WriterAssistantClient) async throws -> T
    ) async throws -> T {
        var engine = TestModel.configuration(parallel: 2)
        engine.storyCache = StoryCacheSettings(directory: directory, sizeLimit: 256 << 20)
        let host = ModelHost()
        let loader = ModelLoadingService(host: host, modelName: "test", logger: TestServer.quietLogger) { [engine] in
            try await LlamaEngine.load(engine)
        }
        let configuration = ServerConfiguration(
            pipeline: .init(sampling: SamplingParameters(temperature: 0, maxTokens: 40)), apiKeys: apiKeys)
        return try await TestServer.with(host: host, configuration: configuration, modelLoader: loader) { server in
            let client = WriterAssistantClient(baseURL: server.baseURL, apiKey: apiKeys.first)
            var waited = 0
            while try await !client.health().llmAvailable, waited < 300 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            return try await body(client)
        }
    }

    @Test func aRestartedServerReadsTheStoryFromItsCache() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("story-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let first = try await Self.withServer(cacheIn: directory) { client in
            try await client.raterFeedback(Self.request(rater: "You judge pacing."))
        }
        #expect(first.contextMetadata.cachedTokens == 0)
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".story") }
        #expect(files.count == 1, "the stopped server should have spilled its story: \(files)")

        let second = try await Self.withServer(cacheIn: directory) { client in
            try await client.raterFeedback(Self.request(rater: "You judge dialogue."))
        }
        let prompt = try #require(second.contextMetadata.promptTokens)
        let cached = try #require(second.contextMetadata.cachedTokens)
        // A fresh server has nothing in its pool: the story (most of the prompt) came from the disk,
        // and the new rater's own part was read.
        #expect(cached > prompt / 2 && cached < prompt)
    }

    /// The attack: a writer sends a guessed opening and reads `cached_tokens` (or the time to
    /// the first token) to learn whether another writer's story starts that way. With each
    /// writer's cache apart, another writer's identical story is read from scratch, in the pool
    /// and from the disk after a restart, while the writer's own is still served from the cache.
    @Test func oneWritersCachedStoryTellsAnotherNothing() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("story-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keys = ["writer-a-key-123", "writer-b-key-456", "writer-c-key-789"]
        let (own, other) = try await Self.withServer(cacheIn: directory, apiKeys: keys) { client in
            let baseURL = client.baseURL
            _ = try await client.raterFeedback(Self.request(rater: "You judge pacing."))
            let other = try await WriterAssistantClient(baseURL: baseURL, apiKey: keys[1])
                .raterFeedback(Self.request(rater: "You judge dialogue."))
            let own = try await client.raterFeedback(Self.request(rater: "You judge dialogue."))
            return (own, other)
        }
        #expect(other.contextMetadata.cachedTokens == 0, "writer b learned that writer a's story was read")
        #expect((own.contextMetadata.cachedTokens ?? 0) > 100, "writer a's own story should stay cached")

        let files = try FileManager.default.subpathsOfDirectory(atPath: directory).filter { $0.hasSuffix(".story") }
        #expect(files.count >= 2, "both writers' stories should have been spilled: \(files)")
        let (newcomer, returning) = try await Self.withServer(cacheIn: directory, apiKeys: keys) { client in
            let newcomer = try await WriterAssistantClient(baseURL: client.baseURL, apiKey: keys[2])
                .raterFeedback(Self.request(rater: "You judge tension."))
            let returning = try await client.raterFeedback(Self.request(rater: "You judge tension."))
            return (newcomer, returning)
        }
        #expect(newcomer.contextMetadata.cachedTokens == 0, "a spilled story served another writer")
        #expect((returning.contextMetadata.cachedTokens ?? 0) > 100, "writer a's spilled story should serve writer a")
    }
}
