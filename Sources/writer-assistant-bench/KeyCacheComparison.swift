import Foundation
import LlamaEngine
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM

/// 8-bit against 16-bit keys in the cache pool, in this process: the first answer token's logits
/// for the same prompts (how far apart, and whether the likeliest token is the same) and how long
/// reading each prompt took.
struct KeyCacheFigures {
    var prompts = 0
    var promptTokens = 0
    var largestDifference: [Double] = []
    /// The largest difference over the spread of that prompt's logits (max − min), for scale.
    var relativeDifference: [Double] = []
    var sameLikeliest = 0
    var readF16: [Double] = []
    var readQ8: [Double] = []
}

enum KeyCacheComparison {
    static func measure(modelPath: String, runs: Int, seed: inout Int) async throws -> KeyCacheFigures {
        let engines = try await [KeyCacheType.f16, .q8_0].asyncMap { type in
            try await LlamaEngine.load(.init(modelPath: modelPath, parallel: 1, keyCacheType: type))
        }
        defer { engines.forEach { $0.shutdown() } }
        var figures = KeyCacheFigures()
        for _ in 0..<runs {
            seed += 1
            let request = BenchmarkStory.request(rater: 0, context: BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11))
            let prompt = try await PromptAssembler(answerReserve: 300).assemble(request, for: engines[0]).prompt.tokens ?? []
            var logits: [[Float]] = []
            for (index, engine) in engines.enumerated() {
                let capture = LogitsCapture()
                let generation = GenerationRequest(prompt: prompt, sampling: SamplingParameters(temperature: 0, maxTokens: 1))
                for try await event in engine.generate(generation, capturingFirstLogits: capture) {
                    if case .finished(let summary) = event {
                        if index == 0 { figures.readF16.append(summary.promptEvaluationSeconds) } else { figures.readQ8.append(summary.promptEvaluationSeconds) }
                    }
                }
                guard let captured = capture.logits else { throw MeasurementFailure(description: "no first-token logits") }
                logits.append(captured)
            }
            let difference = zip(logits[0], logits[1]).map { Double(abs($0 - $1)) }.max() ?? .infinity
            let spread = Double((logits[0].max() ?? 0) - (logits[0].min() ?? 0))
            figures.largestDifference.append(difference)
            figures.relativeDifference.append(difference / max(spread, .leastNonzeroMagnitude))
            if logits[0].indices.max(by: { logits[0][$0] < logits[0][$1] }) == logits[1].indices.max(by: { logits[1][$0] < logits[1][$1] }) {
                figures.sameLikeliest += 1
            }
            figures.prompts += 1
            figures.promptTokens = prompt.count
        }
        return figures
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
