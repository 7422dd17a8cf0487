import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// One rater's answer on a short story: how soon it begins and how fast the server writes it,
/// against the same pipeline without HTTP and against llama.cpp alone.
struct SingleRequestFigures {
    var runs: [TimedRun] = []
    /// The server's pipeline without HTTP, paired with `runs`.
    var inProcess: [Double] = []
    /// llama.cpp alone at each run's depth and length, paired with `runs`.
    var raw: [Double] = []
    var measuredAlone = false

    func markdown() -> String {
        let firstEvent = Sample(values: runs.map { $0.firstEvent.inSeconds * 1000 })
        let firstToken = Sample(values: runs.map { $0.firstToken.inSeconds * 1000 })
        let total = Sample(values: runs.map(\.total.inSeconds))
        let clientRate = Sample(values: runs.compactMap(\.clientDecodeRate))
        let serverRate = Sample(values: runs.compactMap(\.serverDecodeRate))
        let keep = Sample(values: zip(runs, raw).compactMap { run, raw in run.serverDecodeRate.map { $0 / raw } })
        let engineKeep = Sample.ratios(inProcess, raw)
        return """
            ## 1. One request (short story, about \(runs.first?.promptTokens ?? 0) prompt tokens; \(runs.count) runs)

            | | median (range) |
            |---|---|
            | time to first event | \(firstEvent.formatted("%.1f")) ms |
            | time to first token | \(firstToken.formatted("%.0f")) ms |
            | total | \(total) s |
            | decode speed, server (engine-measured) | \(serverRate.formatted("%.1f")) tok/s |
            | decode speed, seen by the client | \(clientRate.formatted("%.1f")) tok/s |
            | decode speed, the same pipeline and engine in-process, no HTTP | \(Sample(values: inProcess).formatted("%.1f")) tok/s |
            | **raw llama.cpp decode, same model and threads (baseline)** | \(Sample(values: raw).formatted("%.1f")) tok/s |
            | server / baseline, per run | **\(keep.formatted("%.2f"))** (target ≥ 0.95) |
            | in-process pipeline / baseline, per run | \(engineKeep.formatted("%.2f")) |

            Each run asks three in turn, each with no other model loaded on the machine, since on two cores \
            another model's threads slow whatever runs beside them: a server started for the run (which \
            answers another short story first, unmeasured) and stopped after it; the server's pipeline and engine loaded in a process of their own for the same \
            request (no HTTP, token events consumed in-process); then llama.cpp alone in a process of its own, \
            which reads a prompt of the request's length and decodes as many tokens greedily, with no grammar \
            and no engine, timed by llama.cpp's own clock of its decode steps. Ratios are taken within each \
            run, since this machine's speed drifts between minutes. The server's and the pipeline's figures \
            include sampling under the answer grammar and the delivery of token events; the raw figure \
            includes neither.\(RawDecodeBaseline.fasterNote(keep))\(measuredAlone ? " Measured on their own with `writer-assistant-bench --single-only`." : "")

            """
    }
}

struct SingleRequestTrial {
    var executable: String
    var modelPath: String
    var port: Int
    var parallel: Int
    var sampling: SamplingParameters
    /// Requests to send; twice the bench's runs, since they are quick and their ratios scatter.
    var count: Int

    /// Seeds of the warm-up stories, apart from any a run uses.
    static let warmUpSeeds = 1_000_000

    /// The request of a run: one rater on a short story no other run has.
    static func request(seed: Int) -> RaterFeedbackRequest {
        BenchmarkStory.request(rater: 0, context: BenchmarkStory.context(seed: seed, chapters: 1, sentencesPerChapter: 4))
    }

    func measure(seed: inout Int) async throws -> SingleRequestFigures {
        var figures = SingleRequestFigures()
        for _ in 0..<count {
            seed += 1
            let request = Self.request(seed: seed)
            let run = try await ServerProcess.serving(
                executable: executable, modelPath: modelPath, port: port, parallel: parallel, sampling: sampling
            ) { client in
                // A first answer of another story, so that the one measured finds the server as
                // a running one is: its threads started, the prompt's common opening read.
                _ = try await TimedRun.run(Self.request(seed: seed + Self.warmUpSeeds), on: client)
                return try await TimedRun.run(request, on: client)
            }
            figures.runs.append(run)
            figures.inProcess.append(try await InProcessPipeline.measuredAlone(seed: seed, modelPath: modelPath, maxTokens: sampling.maxTokens))
            figures.raw.append(try await RawDecodeBaseline.measuredAlone(modelPath: modelPath, shape: .init(of: run)))
        }
        return figures
    }
}
