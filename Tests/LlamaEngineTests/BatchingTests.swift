import Foundation
import Testing
import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import LlamaEngine

/// Several requests in one context: isolation, cancellation and exact prefix reuse, with the real
/// model. llama.cpp's arithmetic depends on how tokens are batched, so these compare structure and
/// logits within a tolerance rather than exact generated text, except where flash attention is off.
@Suite(.serialized) struct BatchingTests {
    static let story = Array(repeating: "The lighthouse keeper counted ships each night and wrote their names in a book.", count: 30)
        .joined(separator: " ")

    static func prompt(_ engine: LlamaEngine, story: String = story, rater: String) async throws -> [Token] {
        try await engine.tokenizeChat([
            ChatMessage(role: .system, content: "You are a careful critic."),
            ChatMessage(role: .user, content: story + "\n\n" + rater),
        ])
    }

    static func collect(_ stream: AsyncThrowingStream<GenerationEvent, any Error>) async throws -> [GenerationEvent] {
        var events: [GenerationEvent] = []
        for try await event in stream { events.append(event) }
        return events
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test func concurrentRequestsEachGetTheirOwnAnswer() async throws {
        let engine = try await LlamaEngine.load(TestModel.configuration(parallel: 4, flashAttention: false))
        defer { engine.shutdown() }
        let markers = ["harbour", "volcano", "orchard", "glacier"]
        let greedy = SamplingParameters(temperature: 0, maxTokens: 24)

        // Alone, each prompt's first answer token comes from these logits.
        var solo: [[Float]] = []
        for marker in markers {
            let capture = LogitsCapture()
            let request = GenerationRequest(prompt: try await Self.prompt(engine, story: "A story about a \(marker).", rater: "Name the place."), sampling: greedy)
            _ = try await Self.collect(engine.generate(request, capturingFirstLogits: capture))
            solo.append(try #require(capture.logits))
        }

        // Together, in one batch, each must still see only its own prompt.
        let captures = markers.map { _ in LogitsCapture() }
        let results = try await withThrowingTaskGroup(of: (Int, [GenerationEvent]).self) { group in
            for (index, marker) in markers.enumerated() {
                let request = GenerationRequest(
                    prompt: try await Self.prompt(engine, story: "A story about a \(marker).", rater: "Name the place."),
                    sampling: greedy)
                group.addTask { (index, try await Self.collect(engine.generate(request, capturingFirstLogits: captures[index]))) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for index in markers.indices {
            let events = try #require(results[index])
            guard case .finished(let summary) = events.last else { Issue.record("no summary for \(index)"); continue }
            #expect(summary.completionTokens > 0)
            let batched = try #require(captures[index].logits)
            let own = Self.maxDifference(batched, solo[index])
            let others = markers.indices.filter { $0 != index }.map { Self.maxDifference(batched, solo[$0]) }
            #expect(own < 1.0, "request \(index) drifted by \(own)")
            #expect(others.allSatisfy { $0 > own * 2 && $0 > 1.0 }, "request \(index) resembles another: \(others)")
        }
    }

    @Test func cancellingOneRequestLeavesTheOthersIntact() async throws {
        let engine = try await TestModel.shared()
        let sampling = SamplingParameters(temperature: 0.7, maxTokens: 120, seed: 21)
        var prompts: [[Token]] = []
        for aspect in ["pacing", "dialogue", "character"] {
            prompts.append(try await Self.prompt(engine, rater: "Judge the \(aspect). " + AnswerFormat.instructions(names: [])))
        }
        let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for (index, prompt) in prompts.enumerated() {
                let request = GenerationRequest(prompt: prompt, sampling: sampling, grammar: AnswerFormat.shape(suggestions: AnswerFormat.suggestionRange).grammar)
                group.addTask {
                    var pieces = 0
                    for try await event in engine.generate(request) {
                        if case .text = event { pieces += 1 }
                        if index == 1, pieces == 3 { return ("cancelled", false) }
                        if case .finished = event { return ("finished", true) }
                    }
                    return ("ended without summary", false)
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1.0) }
        }
        #expect(outcomes.sorted() == ["cancelled", "finished", "finished"])
    }

    @Test func aSecondRaterOnTheSameStoryReusesItsEvaluation() async throws {
        let engine = try await TestModel.shared()
        let first = try await Self.prompt(engine, rater: "You judge pacing.")
        let second = try await Self.prompt(engine, rater: "You judge dialogue.")
        let shared = first.commonPrefixLength(with: second)
        #expect(shared > 400)
        let greedy = SamplingParameters(temperature: 0, maxTokens: 4)
        _ = try await Self.collect(engine.generate(GenerationRequest(prompt: first, sampling: greedy)))
        let events = try await Self.collect(engine.generate(GenerationRequest(prompt: second, sampling: greedy)))
        guard case .promptEvaluationStarted(_, let reused) = events.first else { Issue.record("\(events)"); return }
        #expect(reused == shared)
    }

    /// Idle caches cost attention for every running request in the shared pool, so one story's
    /// cache is kept while nothing else runs and dropped once a different story is read.
    @Test func anIdleStoryIsDroppedOnceAnotherStoryIsRead() async throws {
        let engine = try await LlamaEngine.load(TestModel.configuration(parallel: 2))
        defer { engine.shutdown() }
        let greedy = SamplingParameters(temperature: 0, maxTokens: 2)
        let other = Array(repeating: "A baker in a mountain village sold bread to travellers every morning.", count: 30)
            .joined(separator: " ")
        func reused(_ prompt: [Token]) async throws -> Int {
            let events = try await Self.collect(engine.generate(GenerationRequest(prompt: prompt, sampling: greedy)))
            guard case .finished(let summary) = events.last else { return -1 }
            return summary.reusedPromptTokens
        }
        // Two raters at once leave the story in both slots.
        let first = try await Self.prompt(engine, rater: "You judge pacing.")
        let second = try await Self.prompt(engine, rater: "You judge dialogue.")
        async let firstReused = reused(first)
        async let secondReused = reused(second)
        #expect(try await [firstReused, secondReused].max() == first.commonPrefixLength(with: second))
        let third = try await Self.prompt(engine, rater: "You judge character.")
        #expect(try await reused(third) == first.commonPrefixLength(with: third), "kept while nothing else runs")

        // A new story takes one slot; the other slot's copy of the old story must go too.
        let unrelated = try await Self.prompt(engine, story: other, rater: "You judge pacing.")
        #expect(try await reused(unrelated) < 64)
        #expect(try await reused(first) < 64, "the first story's cells should have been freed")
    }

    @Test func ratersArrivingTogetherEvaluateTheStoryOnce() async throws {
        let engine = try await LlamaEngine.load(TestModel.configuration(parallel: 4))
        defer { engine.shutdown() }
        let raters = ["pacing", "dialogue", "character", "genre"]
        var prompts: [[Token]] = []
        for rater in raters {
            prompts.append(try await Self.prompt(engine, story: Self.story + " (panel)", rater: "You judge \(rater)."))
        }
        let greedy = SamplingParameters(temperature: 0, maxTokens: 4)
        let reused = try await withThrowingTaskGroup(of: Int.self) { group in
            for prompt in prompts {
                group.addTask {
                    let events = try await Self.collect(engine.generate(GenerationRequest(prompt: prompt, sampling: greedy)))
                    guard case .finished(let summary) = events.last else { return -1 }
                    return summary.reusedPromptTokens
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let shared = prompts[0].commonPrefixLength(with: prompts[1])
        // One reads the story; the other three copy it.
        #expect(reused.sorted() == [0, shared, shared, shared])
    }

    @Test func reusedPrefixesGiveExactlyTheColdLogits() async throws {
        let warm = try await LlamaEngine.load(TestModel.configuration(parallel: 2, flashAttention: false))
        let cold = try await LlamaEngine.load(TestModel.configuration(parallel: 2, flashAttention: false))
        defer {
            warm.shutdown()
            cold.shutdown()
        }
        let greedy = SamplingParameters(temperature: 0, maxTokens: 2)
        _ = try await Self.collect(warm.generate(GenerationRequest(prompt: try await Self.prompt(warm, rater: "You judge pacing."), sampling: greedy)))

        let second = try await Self.prompt(warm, rater: "You judge dialogue.")
        let reusedCapture = LogitsCapture()
        let warmEvents = try await Self.collect(warm.generate(GenerationRequest(prompt: second, sampling: greedy), capturingFirstLogits: reusedCapture))
        guard case .promptEvaluationStarted(_, let reused) = warmEvents.first else { Issue.record("\(warmEvents)"); return }
        #expect(reused > 400)

        let coldCapture = LogitsCapture()
        _ = try await Self.collect(cold.generate(GenerationRequest(prompt: second, sampling: greedy), capturingFirstLogits: coldCapture))
        let fromReuse = try #require(reusedCapture.logits)
        let fromCold = try #require(coldCapture.logits)
        #expect(fromReuse.count == fromCold.count)
        #expect(Self.maxDifference(fromReuse, fromCold) == 0)
    }
}
