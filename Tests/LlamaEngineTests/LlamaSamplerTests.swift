import CLlama
import MeasurementSupport
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
        SamplingParameters(temperature: 0, maxTokens: 0, repetition: .off),
        SamplingParameters(temperature: 0.8, topK: 40, topP: 0.9, maxTokens: 0, seed: 7),
        SamplingParameters(temperature: 0.8, topK: 40, topP: 0.9, maxTokens: 0, seed: 7, repetition: .off),
        SamplingParameters(temperature: 0.8, topK: 0, topP: 0.9, maxTokens: 0, seed: 7),
        SamplingParameters(
            temperature: 0.8, topK: 40, topP: 0.9, maxTokens: 0, seed: 7,
            repetition: RepetitionControl(repeatPenalty: 1.5, frequencyPenalty: 0.5, presencePenalty: 0.5, dryMultiplier: 2)),
    ])
    func theShortlistChoosesWhatTheFullGrammarPassChooses(_ parameters: SamplingParameters) throws {
        let model = try #require(Self.model)
        let shortlisted = try LlamaSampler(model: model, parameters: parameters, grammar: AnswerFormat.shape(suggestions: AnswerFormat.suggestionRange).grammar)
        let full = try LlamaSampler(model: model, parameters: parameters, grammar: AnswerFormat.shape(suggestions: AnswerFormat.suggestionRange).grammar, shortlistLength: 0)
        var random = SeededGenerator(seed: 2024)
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

    /// The vocabulary checked a slice at a time against the grammar rejects exactly the tokens a
    /// single pass over it rejects, at every point of an answer.
    @Test func theGrammarJudgesTheVocabularyInSlicesAsInOnePass() throws {
        let model = try #require(Self.model)
        let grammar = try #require(llama_sampler_init_grammar(model.vocab, AnswerFormat.shape(suggestions: AnswerFormat.suggestionRange).grammar, "root"))
        defer { llama_sampler_free(grammar) }
        var random = SeededGenerator(seed: 11)
        let vocabulary = model.vocabularySize
        #expect(vocabulary > 10 * LlamaSampler.grammarSliceLength)
        var written = 0
        var stepsWithRejections = 0
        for _ in 0..<150 {
            var whole = (0..<vocabulary).map { llama_token_data(id: llama_token($0), logit: 1, p: 0) }
            var sliced = whole
            whole.withUnsafeMutableBufferPointer { buffer in
                var array = llama_token_data_array(data: buffer.baseAddress!, size: buffer.count, selected: -1, sorted: false)
                llama_sampler_apply(grammar, &array)
            }
            sliced.withUnsafeMutableBufferPointer { buffer in
                LlamaSampler.apply(grammar, inSlicesTo: llama_token_data_array(data: buffer.baseAddress!, size: buffer.count, selected: -1, sorted: false))
            }
            let allowed = whole.filter { $0.logit != -Float.infinity }.map(\.id)
            try #require(allowed == sliced.filter { $0.logit != -Float.infinity }.map(\.id))
            if allowed.count < vocabulary { stepsWithRejections += 1 }
            guard let next = allowed.randomElement(using: &random), !model.isEndOfGeneration(next) else { break }
            llama_sampler_accept(grammar, next)
            written += 1
        }
        #expect(written > 100 && stepsWithRejections > 100)
    }
}

/// The repetition samplers are in the chain: each one, alone, turns the sampler away from a
/// token it would otherwise choose again.
@Suite struct RepetitionSamplerTests {
    static let model = LlamaSamplerTests.model

    /// Token ids of plain words, none of them a DRY sequence breaker.
    static func word(_ text: String, _ model: LlamaModel) throws -> llama_token {
        try #require(model.tokenize(text).last)
    }

    /// Greedy choices over logits that favour `favoured` slightly over `runnerUp`, after `history`
    /// was written.
    static func choice(
        _ repetition: RepetitionControl, history: [llama_token], favoured: llama_token, runnerUp: llama_token
    ) throws -> llama_token {
        let model = try #require(model)
        let sampler = try LlamaSampler(
            model: model, parameters: SamplingParameters(temperature: 0, maxTokens: 0, repetition: repetition), grammar: nil)
        var logits = [Float](repeating: 0, count: model.vocabularySize)
        for token in history {
            logits[Int(token)] = 100
            _ = logits.withUnsafeMutableBufferPointer { sampler.sample(logits: $0.baseAddress!) }
            logits[Int(token)] = 0
        }
        logits[Int(favoured)] = 10
        logits[Int(runnerUp)] = 9.5
        return logits.withUnsafeMutableBufferPointer { sampler.sample(logits: $0.baseAddress!) }
    }

    @Test func theRepetitionPenaltyTurnsAwayFromATokenAlreadyWritten() throws {
        let model = try #require(Self.model)
        let (door, gate) = (try Self.word(" door", model), try Self.word(" gate", model))
        let penalty = RepetitionControl(repeatPenalty: 1.1, dryMultiplier: 0)
        #expect(try Self.choice(penalty, history: [door], favoured: door, runnerUp: gate) == gate)
        #expect(try Self.choice(.off, history: [door], favoured: door, runnerUp: gate) == door)
    }

    @Test func dryTurnsAwayFromTheTokenThatWouldRepeatASequence() throws {
        let model = try #require(Self.model)
        let (red, old, door, gate) = try (Self.word(" red", model), Self.word(" old", model), Self.word(" door", model), Self.word(" gate", model))
        let dryOnly = RepetitionControl(repeatPenalty: 1, dryMultiplier: 0.8)
        // "red old door … red old" → "door" would repeat three tokens.
        let history = [red, old, door, gate, red, old]
        #expect(try Self.choice(dryOnly, history: history, favoured: door, runnerUp: gate) == gate)
        #expect(try Self.choice(.off, history: history, favoured: door, runnerUp: gate) == door)
    }

    @Test func theDefaultsUseBoth() {
        let defaults = SamplingParameters.raterDefaults
        #expect(defaults.repetition.penalizes && defaults.repetition.usesDRY && defaults.minP > 0)
    }
}
