import Foundation
import Testing
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import LlamaEngine

/// Stories leave the cache pool for the disk and come back, also after a restart, exactly as if
/// read anew; requests the pool cannot hold wait for room. With the real model.
@Suite(.serialized) struct StoryCacheEngineTests {
    static let story = Array(repeating: "The ferry pilot counted the buoys each crossing and named them after her aunts.", count: 28)
        .joined(separator: " ")
    static let otherStory = Array(repeating: "A baker in a mountain village sold bread to travellers every morning.", count: 30)
        .joined(separator: " ")

    static func withCacheDirectory(_ body: (StoryCacheSettings) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("story-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(StoryCacheSettings(directory: directory.path, sizeLimit: 256 << 20))
    }

    static func configuration(_ cache: StoryCacheSettings?, parallel: Int = 1) -> LlamaEngine.Configuration {
        var configuration = TestModel.configuration(parallel: parallel)
        configuration.storyCache = cache
        return configuration
    }

    static func stop(_ engine: LlamaEngine) async {
        engine.shutdown()
        await engine.waitUntilStopped()
    }

    /// Writes two tokens greedily; the prompt tokens that came from a cache, and the first logits.
    static func read(_ prompt: [Token], on engine: LlamaEngine, partition: String? = nil) async throws -> (reused: Int, logits: [Float]) {
        let capture = LogitsCapture()
        var reused = -1
        let request = GenerationRequest(prompt: prompt, sampling: SamplingParameters(temperature: 0, maxTokens: 2), cachePartition: partition)
        for try await event in engine.generate(request, capturingFirstLogits: capture) {
            if case .finished(let summary) = event { reused = summary.reusedPromptTokens }
        }
        return (reused, try #require(capture.logits))
    }

    @Test func aStorySpilledAtShutdownComesBackAfterARestartWithTheColdLogits() async throws {
        try await Self.withCacheDirectory { cache in
            let first = try await LlamaEngine.load(Self.configuration(cache))
            let pacing = try await BatchingTests.prompt(first, story: Self.story, rater: "You judge pacing.")
            let dialogue = try await BatchingTests.prompt(first, story: Self.story, rater: "You judge dialogue.")
            #expect(try await Self.read(pacing, on: first).reused == 0)
            await Self.stop(first)

            let restarted = try await LlamaEngine.load(Self.configuration(cache))
            let warm = try await Self.read(dialogue, on: restarted)
            await Self.stop(restarted)
            #expect(warm.reused == pacing.commonPrefixLength(with: dialogue), "the story should come from the disk")

            let cold = try await LlamaEngine.load(Self.configuration(nil))
            let fresh = try await Self.read(dialogue, on: cold)
            await Self.stop(cold)
            #expect(fresh.reused == 0)
            #expect(warm.logits.count == fresh.logits.count)
            #expect(BatchingTests.maxDifference(warm.logits, fresh.logits) == 0)
        }
    }

    @Test func twoStoriesAlternatingBothStayWarm() async throws {
        try await Self.withCacheDirectory { cache in
            let engine = try await LlamaEngine.load(Self.configuration(cache))
            let first = try await BatchingTests.prompt(engine, story: Self.story, rater: "You judge pacing.")
            let second = try await BatchingTests.prompt(engine, story: Self.otherStory, rater: "You judge pacing.")
            var reused: [Int] = []
            for prompt in [first, second, first, second] {
                reused.append(try await Self.read(prompt, on: engine).reused)
            }
            await Self.stop(engine)
            // Each story evicts the other from the pool, and comes back from the disk.
            #expect(reused[0] == 0)
            #expect(reused[1] < 64)
            #expect(reused[2] == first.count - 1)
            #expect(reused[3] == second.count - 1)
        }
    }

    /// One writer's story, in the pool or on the disk, is never reused for another writer's
    /// request: the count of reused tokens would tell them what the other has read.
    @Test func anotherWritersStoryIsReadAnewFromThePoolAndFromTheDisk() async throws {
        try await Self.withCacheDirectory { cache in
            let first = try await LlamaEngine.load(Self.configuration(cache, parallel: 2))
            let pacing = try await BatchingTests.prompt(first, story: Self.story, rater: "You judge pacing.")
            let dialogue = try await BatchingTests.prompt(first, story: Self.story, rater: "You judge dialogue.")
            #expect(try await Self.read(pacing, on: first, partition: "aaaa").reused == 0)
            #expect(try await Self.read(dialogue, on: first, partition: "bbbb").reused == 0, "writer b must not reuse a's cells")
            let own = try await Self.read(dialogue, on: first, partition: "aaaa").reused
            #expect(own == pacing.commonPrefixLength(with: dialogue))
            await Self.stop(first)

            let restarted = try await LlamaEngine.load(Self.configuration(cache))
            #expect(try await Self.read(dialogue, on: restarted, partition: "cccc").reused == 0, "nor a spilled story of another writer")
            #expect(try await Self.read(dialogue, on: restarted, partition: "aaaa").reused >= pacing.commonPrefixLength(with: dialogue))
            await Self.stop(restarted)
        }
    }

    @Test func anUnusableCacheDirectoryLeavesTheModelServingWithoutIt() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-directory-\(UUID().uuidString)")
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let engine = try await LlamaEngine.load(Self.configuration(StoryCacheSettings(directory: file.path, sizeLimit: 1 << 20)))
        let prompt = try await BatchingTests.prompt(engine, story: Self.story, rater: "You judge pacing.")
        #expect(try await Self.read(prompt, on: engine).reused == 0)
        await Self.stop(engine)
    }

    @Test func withoutAStoryCacheAnEvictedStoryIsReadAgain() async throws {
        let engine = try await LlamaEngine.load(Self.configuration(nil))
        let first = try await BatchingTests.prompt(engine, story: Self.story, rater: "You judge pacing.")
        let second = try await BatchingTests.prompt(engine, story: Self.otherStory, rater: "You judge pacing.")
        var reused: [Int] = []
        for prompt in [first, second, first] {
            reused.append(try await Self.read(prompt, on: engine).reused)
        }
        await Self.stop(engine)
        #expect(reused[2] < 64)
    }

    @Test func requestsThePoolCannotHoldTogetherWaitForRoomInsteadOfFailing() async throws {
        var configuration = TestModel.configuration(parallel: 2)
        configuration.contextSize = 1024
        configuration.cacheTokens = 1030
        let engine = try await LlamaEngine.load(configuration)
        let prompts = [
            try await BatchingTests.prompt(engine, story: Self.story, rater: "You judge pacing."),
            try await BatchingTests.prompt(engine, story: Self.otherStory, rater: "You judge pacing."),
        ]
        // Together they need more cells than the pool has (llama.cpp rounds it up to 1,280),
        // though each fits alone.
        let answer = SamplingParameters(temperature: 0, maxTokens: max(60, (engine.poolCells - prompts[0].count - prompts[1].count) / 2 + 10))
        try #require(prompts[0].count + prompts[1].count + 2 * answer.maxTokens > engine.poolCells)
        try #require(prompts.allSatisfy { $0.count + answer.maxTokens < configuration.contextSize })
        let summaries = try await withThrowingTaskGroup(of: GenerationSummary?.self) { group in
            for prompt in prompts {
                group.addTask {
                    var summary: GenerationSummary?
                    for try await event in engine.generate(GenerationRequest(prompt: prompt, sampling: answer)) {
                        if case .finished(let finished) = event { summary = finished }
                    }
                    return summary
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }.compactMap { $0 }.sorted { $0.queueSeconds < $1.queueSeconds }
        }
        await Self.stop(engine)
        try #require(summaries.count == 2, "both should finish")
        // The engine's own clock: the second was admitted only after the first had read its story.
        #expect(summaries[1].queueSeconds >= summaries[0].promptEvaluationSeconds + summaries[0].generationSeconds - 0.5)
    }
}
