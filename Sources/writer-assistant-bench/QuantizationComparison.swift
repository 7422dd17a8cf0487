import Foundation
import LlamaEngine
import MeasurementSupport
import WriterAssistantCore
import WriterAssistantLLM

/// The default model against versions of it in other weight formats, written by llama.cpp's own
/// quantizer: how fast each reads a story and writes an answer through the server's engine, in
/// this process, the formats taking turns within each run.
struct QuantizationFigures {
    struct Row {
        var format: String
        var fileBytes: Int
        var readSeconds: [Double] = []
        var readRate: [Double] = []
        var decodeRate: [Double] = []
    }

    var promptTokens = 0
    var rows: [Row] = []
}

enum QuantizationComparison {
    static func measure(modelPath: String, server: String, runs: Int, seed: inout Int) async throws -> QuantizationFigures {
        let models = [(label: "Q4_1 (the default file)", path: modelPath)]
            + (try QuantizedModels.prepare(modelPath: modelPath, server: server)).map { (label: "\($0.format), requantized from it", path: $0.path) }
        var figures = QuantizationFigures()
        var engines: [LlamaEngine] = []
        for model in models {
            engines.append(try await LlamaEngine.load(.init(modelPath: model.path, parallel: 1)))
            let bytes = (try? FileManager.default.attributesOfItem(atPath: model.path)[.size] as? NSNumber)?.intValue ?? 0
            figures.rows.append(.init(format: model.label, fileBytes: bytes))
        }
        defer { engines.forEach { $0.shutdown() } }
        for _ in 0..<runs {
            seed += 1
            let request = BenchmarkStory.request(rater: 0, context: BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11))
            // One tokenizer for all: the formats share the vocabulary.
            let prompt = try await PromptAssembler(answerReserve: 300).assemble(request, for: engines[0]).prompt.tokens ?? []
            figures.promptTokens = prompt.count
            for (index, engine) in engines.enumerated() {
                let generation = GenerationRequest(prompt: prompt, sampling: SamplingParameters(temperature: 0, maxTokens: 64))
                for try await event in engine.generate(generation) {
                    guard case .finished(let summary) = event else { continue }
                    figures.rows[index].readSeconds.append(summary.promptEvaluationSeconds)
                    figures.rows[index].readRate.append(Double(prompt.count) / summary.promptEvaluationSeconds)
                    if summary.completionTokens > 1 {
                        figures.rows[index].decodeRate.append(Double(summary.completionTokens) / summary.generationSeconds)
                    }
                }
            }
        }
        return figures
    }
}
