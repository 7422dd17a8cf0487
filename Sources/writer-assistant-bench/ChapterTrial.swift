import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// Chapter generation: the longest answers the server writes. How fast it writes them against
/// llama.cpp's own decoding from the same depth, and how soon a second chapter on a story already
/// read begins against the first.
struct ChapterFigures {
    var targetWords = ChapterTrial.targetWords
    var promptTokens: [Double] = []
    var completionTokens: [Double] = []
    var decode: [Double] = []
    var raw: [Double] = []
    var cold: [Double] = []
    var warm: [Double] = []
    var reused: [Double] = []
    var measuredAlone = false

    func markdown() -> String {
        let ratio = Sample.ratios(decode, raw)
        let firstTokens = Sample.ratios(warm, cold)
        return """
            ## 10. Chapter generation

            `POST /api/v1/generate-chapter/stream` on a new story of about \(Sample(values: promptTokens).formatted("%.0f")) \
            prompt tokens, asking for \(targetWords) words (the chapter's token budget is the server's \
            `--chapter-max-tokens`, 1,500 by default), then a second chapter with another plot point on the same \
            story, on a server started for the run (which answers a short rater request on another story first, \
            unmeasured). Once it has stopped, llama.cpp alone decodes as many tokens greedily from the first \
            chapter's depth in a process of its own (the reference, by llama.cpp's own clock of its decode steps, with \
            no other model loaded on the machine); the ratio is taken within each run.\(RawDecodeBaseline.fasterNote(ratio)) \(runsNote)

            | | median (range) |
            |---|---|
            | tokens written per chapter | \(Sample(values: completionTokens).formatted("%.0f")) |
            | server decode, tokens/s | \(Sample(values: decode).formatted("%.1f")) |
            | raw llama.cpp decode, tokens/s | \(Sample(values: raw).formatted("%.1f")) |
            | decode against raw | **\(ratio.formatted("%.2f"))** (target ≥ 0.95, as for rater feedback) |
            | first token, new story (cold), s | \(Sample(values: cold).formatted("%.2f")) |
            | first token, second chapter on the same story (warm), s | \(Sample(values: warm).formatted("%.2f")) |
            | prompt tokens reused by the second chapter | \(Sample(values: reused).formatted("%.0f")) |
            | warm against cold | **\(firstTokens.formatted("%.3f"))** (target ≤ 0.1, as for rater feedback) |

            """
    }

    private var runsNote: String {
        "\(cold.count) runs" + (measuredAlone ? ", measured on their own with `writer-assistant-bench --chapters-only`." : ".")
    }
}

struct ChapterTrial {
    static let targetWords = 300

    var executable: String
    var modelPath: String
    var port: Int
    var parallel: Int
    var sampling: SamplingParameters
    var runs: Int

    func measure(seed: inout Int) async throws -> ChapterFigures {
        var figures = ChapterFigures()
        for _ in 0..<runs {
            seed += 1
            let context = BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11)
            let first = GenerateChapterRequest(
                plotPoint: "Mara finds the smugglers' ledger hidden behind the lamp room wall.", structuredContext: context,
                targetWords: Self.targetWords)
            let (cold, warm) = try await ServerProcess.serving(
                executable: executable, modelPath: modelPath, port: port, parallel: parallel, sampling: sampling
            ) { client in
                // A short answer on another story first, unmeasured, so that the chapter finds the
                // server as a running one is.
                _ = try await TimedRun.run(
                    SingleRequestTrial.request(seed: seed + SingleRequestTrial.warmUpSeeds), on: client)
                let cold = try await TimedRun.run(first, on: client)
                var second = first
                second.plotPoint = "Ivo follows Mara into the tunnels below the village."
                return (cold, try await TimedRun.run(second, on: client))
            }
            figures.cold.append(cold.firstToken.inSeconds)
            figures.promptTokens.append(Double(cold.promptTokens))
            figures.completionTokens.append(Double(cold.completionTokens))
            figures.decode.append(cold.serverDecodeRate ?? 0)
            figures.warm.append(warm.firstToken.inSeconds)
            figures.reused.append(Double(warm.cachedTokens))
            figures.raw.append(try await RawDecodeBaseline.measuredAlone(modelPath: modelPath, shape: .init(of: cold)))
        }
        return figures
    }
}
