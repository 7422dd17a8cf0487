import Testing
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import LlamaEngine

/// A batch that llama.cpp refuses fails only the sequence at fault; the others go on writing,
/// and the cache bookkeeping stays in step (debug builds assert it after every step).
@Suite(.serialized) struct DecodeFailureTests {
    @Test func aFailingSequenceFailsAloneAndTheOthersCarryOn() async throws {
        let shared = try await TestModel.shared()
        let healthy = try await LlamaEngineTests.prompt(shared, "Describe a quiet harbour at dawn.")
        let poisoned = try await LlamaEngineTests.prompt(shared, "Describe a zebra crossing a river.")
        let poison = try #require(Set(poisoned).subtracting(healthy).first)

        var configuration = TestModel.configuration(parallel: 2)
        // Stands in for a sequence llama.cpp cannot evaluate (status -3: a compute failure).
        configuration.failureInjection = { tokens in tokens.contains(poison) ? -3 : nil }
        let engine = try await LlamaEngine.load(configuration)
        defer { engine.shutdown() }

        let sampling = SamplingParameters(temperature: 0, maxTokens: 30)
        var writing = engine.generate(GenerationRequest(prompt: healthy, sampling: sampling)).makeAsyncIterator()
        // Wait until the healthy answer is being written, so the poisoned prompt joins its batch.
        while let event = try await writing.next() {
            if case .text = event { break }
        }
        await #expect(throws: LanguageModelError.evaluationFailed(status: -3)) {
            for try await _ in engine.generate(GenerationRequest(prompt: poisoned, sampling: sampling)) {}
        }
        var summary: GenerationSummary?
        while let event = try await writing.next() {
            if case .finished(let finished) = event { summary = finished }
        }
        let finished = try #require(summary)
        #expect(finished.completionTokens > 1)

        // The failed sequence's slot serves the next request normally.
        var answered = false
        for try await event in engine.generate(GenerationRequest(prompt: healthy, sampling: sampling)) {
            if case .finished = event { answered = true }
        }
        #expect(answered)
    }
}
