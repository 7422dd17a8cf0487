import Testing
import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import LlamaEngine

/// The grammar tried on the likeliest tokens first must choose exactly what a pass over the whole
/// vocabulary chooses. Random logits make the grammar reject the top token often, at every kind of
/// position in the answer.
@Suite struct LlamaSamplerTests {
    static let model: LlamaModel? = try? LlamaModel(path: TestModel.path)

    @Test(arguments: [
        SamplingParameters(temperature: 0, maxTokens: 0),
        SamplingParameters(temperature: 0.8, topK: 40, topP: 0.9, maxTokens: 0, seed: 7),
        SamplingParameters(temperature: 0.8, topK: 0, topP: 0.9, maxTokens: 0, seed: 7),
    ])
    func theShortlistChoosesWhatTheFullGrammarPassChooses(_ parameters: SamplingParameters) throws {
        let model = try #require(Self.model)
        let shortlisted = try LlamaSampler(model: model, parameters: parameters, grammar: AnswerFormat.grammar)
        let full = try LlamaSampler(model: model, parameters: parameters, grammar: AnswerFormat.grammar, shortlistLength: 0)
        var random = SplitMix(seed: 2024)
        var logits = [Float](repeating: 0, count: model.vocabularySize)
        var answer: [UInt8] = []
        for _ in 0..<400 {
            for index in logits.indices { logits[index] = Float(random.nextUnit() * 12) }
            let expected = logits.withUnsafeMutableBufferPointer { full.sample(logits: $0.baseAddress!) }
            let chosen = logits.withUnsafeMutableBufferPointer { shortlisted.sample(logits: $0.baseAddress!) }
            try #require(chosen == expected)
            if model.isEndOfGeneration(chosen) { break }
            answer += model.piece(of: chosen)
        }
        // Long enough to have crossed the answer's structure, not just its first characters.
        #expect(answer.count > 200)
    }
}

/// A small seeded generator, so the logits are the same on every run.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func nextUnit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}
