import Synchronization
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
        // Three tokens in a row that only the poisoned prompt has: an answer, written a token a
        // step, can never put them into a batch.
        let poison = try #require((0..<(poisoned.count - 2)).lazy.map { Array(poisoned[$0..<($0 + 3)]) }
            .first { triple in !(0..<(healthy.count - 2)).contains { Array(healthy[$0..<($0 + 3)]) == triple } })
        let failedBatches = Mutex<[Set<Int32>]>([])

        var configuration = TestModel.configuration(parallel: 2)
        // Stands in for a sequence llama.cpp cannot evaluate (status -3: a compute failure).
        configuration.failureInjection = { tokens, sequences in
            guard (0..<max(0, tokens.count - 2)).contains(where: { Array(tokens[$0..<($0 + 3)]) == poison }) else { return nil }
            failedBatches.withLock { $0.append(Set(sequences)) }
            return -3
        }
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
        // The poisoned prompt did share a batch with the healthy answer, and then failed alone.
        let batches = failedBatches.withLock { $0 }
        #expect(batches.contains { $0.count == 2 }, "\(batches)")
        #expect(batches.contains { $0.count == 1 })

        // The failed sequence's slot serves the next request normally.
        var answered = false
        for try await event in engine.generate(GenerationRequest(prompt: healthy, sampling: sampling)) {
            if case .finished = event { answered = true }
        }
        #expect(answered)
    }
}
