import Foundation
import MeasurementSupport
import WriterAssistantClient
import WriterAssistantLLM

/// The story cache's figures: a story read before a restart, two writers alternating, a chapter
/// added to a cached story; each against its baseline in the same run.
struct StoryCacheFigures {
    var storyTokens = 0
    var restartCold: [Double] = []
    var restartWarm: [Double] = []
    var restartReused: [Double] = []
    var alternatingSingle: [Double] = []
    var alternatingCached: [Double] = []
    var appendCold: [Double] = []
    var appendWarm: [Double] = []
    var appendReused: [Double] = []
    var appendTokens = 0
    /// Prompt tokens the request with the added chapter read in each run: the chapter and what
    /// follows it.
    var appendReadCounts: [Int] = []
    /// The last run's, for the text.
    var appendRead: Int { appendReadCounts.last ?? 0 }
    /// Prompt tokens of the story as long read cold.
    var appendColdTokens = 0
    /// The same counts read by llama.cpp alone: the added chapter after the cached prefix, and cold.
    var rawAppendWarm: [Double] = []
    var rawAppendCold: [Double] = []
    var measuredAlone = false
}

/// Memory and cold reading at the defaults against the settings before the pool was sized for
/// what it serves.
struct MemoryFigures {
    var panelTokens = 0
    var defaultsPeak: [Double] = []
    var previousPeak: [Double] = []
    /// Seconds each of the four raters waited for room in the pool, at the defaults.
    var panelQueueTimes: [Double] = []
    var coldDefaults: [Double] = []
    var coldPrevious: [Double] = []
}

struct StoryCacheTrials {
    let executable: String
    let modelPath: String
    let port: Int
    let sampling: SamplingParameters
    let runs: Int
    /// The server's thread count, for llama.cpp on its own.
    let threads: Int

    /// The settings of the pool before it was sized for what it serves: four whole contexts,
    /// 16-bit keys, and llama.cpp evaluating a whole prompt slice at once.
    static let previousPool = ["--cache-tokens", "16384", "--cache-type-k", "f16", "--micro-batch", "260"]

    private func start(_ port: Int, storyCache: String?, sampling: SamplingParameters? = nil, arguments: [String] = [])
        async throws -> (ServerProcess, WriterAssistantClient)
    {
        try await ServerProcess.started(
            executable: executable, modelPath: modelPath, port: port, parallel: 4, sampling: sampling ?? self.sampling,
            storyCache: storyCache, extraArguments: arguments)
    }

    private static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("bench-stories-\(UUID().uuidString)").path
    }

    func storyCache(seed: inout Int) async throws -> StoryCacheFigures {
        var figures = StoryCacheFigures()
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        log("a story read before a restart against the same story cold")
        for _ in 0..<runs {
            seed += 1
            let story = BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11)
            var (process, client) = try await start(port, storyCache: directory)
            let cold = try await TimedRun.run(BenchmarkStory.request(rater: 0, context: story), on: client)
            process.stop()
            (process, client) = try await start(port, storyCache: directory)
            let warm = try await TimedRun.run(BenchmarkStory.request(rater: 1, context: story), on: client)
            process.stop()
            figures.storyTokens = cold.promptTokens
            figures.restartCold.append(cold.firstToken.inSeconds)
            figures.restartWarm.append(warm.firstToken.inSeconds)
            figures.restartReused.append(Double(warm.cachedTokens))
        }

        log("two writers alternating on two stories, with the story cache and with a single-story cache")
        let (single, singleClient) = try await start(port + 1, storyCache: nil)
        defer { single.stop() }
        let (cached, cachedClient) = try await start(port + 2, storyCache: directory)
        defer { cached.stop() }
        for _ in 0..<runs {
            seed += 2
            let stories = [seed - 1, seed].map { BenchmarkStory.context(seed: $0, chapters: 6, sentencesPerChapter: 11) }
            for (client, into) in [(singleClient, \StoryCacheFigures.alternatingSingle), (cachedClient, \StoryCacheFigures.alternatingCached)] {
                // Each writer's first request reads their story; the next ones are measured.
                for story in stories { _ = try await TimedRun.run(BenchmarkStory.request(rater: 0, context: story), on: client) }
                for rater in 1...2 {
                    for story in stories {
                        figures[keyPath: into].append(
                            try await TimedRun.run(BenchmarkStory.request(rater: rater, context: story), on: client).firstToken.inSeconds)
                    }
                }
            }
        }

        log("a chapter added to a cached story against a story as long read cold")
        for _ in 0..<runs {
            seed += 2
            let story = BenchmarkStory.context(seed: seed - 1, chapters: 6, sentencesPerChapter: 11)
            let first = try await TimedRun.run(BenchmarkStory.request(rater: 0, context: story), on: cachedClient)
            let longer = BenchmarkStory.appendingChapter(to: story, seed: seed * 7, sentences: 13)
            let warm = try await TimedRun.run(BenchmarkStory.request(rater: 0, context: longer), on: cachedClient)
            let unseen = BenchmarkStory.appendingChapter(to: BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11), seed: seed * 11, sentences: 13)
            let cold = try await TimedRun.run(BenchmarkStory.request(rater: 0, context: unseen), on: cachedClient)
            figures.appendWarm.append(warm.firstToken.inSeconds)
            figures.appendReused.append(Double(warm.cachedTokens))
            figures.appendCold.append(cold.firstToken.inSeconds)
            figures.appendTokens = warm.promptTokens - first.promptTokens
            figures.appendReadCounts.append(warm.promptTokens - warm.cachedTokens)
            figures.appendColdTokens = cold.promptTokens - cold.cachedTokens
            let raw = try RawPromptReading.measure(
                modelPath: modelPath, threads: threads, cached: warm.cachedTokens, read: figures.appendRead, cold: figures.appendColdTokens)
            figures.rawAppendWarm.append(raw.warm)
            figures.rawAppendCold.append(raw.cold)
        }
        return figures
    }

    func memory(seed: inout Int) async throws -> MemoryFigures {
        var figures = MemoryFigures()
        log("peak memory at the defaults, four raters on a 4,000-token story, against the previous pool")
        for _ in 0..<runs {
            seed += 1
            let story = BenchmarkStory.context(seed: seed, chapters: 12, sentencesPerChapter: 13)
            for previous in [false, true] {
                let directory = Self.temporaryDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                // Everything at its default but the port: sampling included.
                let (process, client) = try await start(
                    port, storyCache: previous ? nil : directory, sampling: SamplingParameters.raterDefaults,
                    arguments: previous ? Self.previousPool : [])
                defer { process.stop() }
                let panel = try await withThrowingTaskGroup(of: TimedRun.self) { group in
                    for rater in 0..<4 {
                        group.addTask { try await TimedRun.run(BenchmarkStory.request(rater: rater, context: story), on: client) }
                    }
                    return try await group.reduce(into: [TimedRun]()) { $0.append($1) }
                }
                let peak = Double(process.peakResidentBytes ?? 0) / 1_048_576
                if previous {
                    figures.previousPeak.append(peak)
                } else {
                    figures.defaultsPeak.append(peak)
                    figures.panelQueueTimes += panel.map(\.queueSeconds)
                    figures.panelTokens = panel.map(\.promptTokens).max() ?? 0
                }
            }
        }

        log("cold reading of a 1,900-token story at the defaults against the previous pool")
        let (current, currentClient) = try await start(port, storyCache: nil)
        defer { current.stop() }
        let (previous, previousClient) = try await start(port + 1, storyCache: nil, arguments: Self.previousPool)
        defer { previous.stop() }
        for _ in 0..<runs {
            for (client, into) in [(currentClient, \MemoryFigures.coldDefaults), (previousClient, \MemoryFigures.coldPrevious)] {
                seed += 1
                let story = BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11)
                figures[keyPath: into].append(
                    try await TimedRun.run(BenchmarkStory.request(rater: 0, context: story), on: client).firstToken.inSeconds)
            }
        }
        return figures
    }

    private func log(_ text: String) {
        FileHandle.standardError.write(Data("bench: \(text)\n".utf8))
    }
}

extension StoryCacheFigures {
    func markdown() -> String {
        let restart = Sample.ratios(restartWarm, restartCold)
        // Each run's alternating requests against the same run's on the single-story server.
        let perRun = 4
        let alternating = Sample(values: stride(from: 0, to: alternatingCached.count, by: perRun).map { start in
            Sample(values: Array(alternatingCached[start..<(start + perRun)])).median
                / Sample(values: Array(alternatingSingle[start..<(start + perRun)])).median
        })
        let append = Sample.ratios(appendWarm, appendCold)
        let rawAppend = Sample.ratios(rawAppendWarm, rawAppendCold)
        let share = Double(appendRead) / Double(max(appendColdTokens, 1))
        // Per run: the tokens llama.cpp alone reads after the cached prefix in a quarter of its
        // cold read, at the cost per token it took that deep, less the chapter itself.
        let affordableTail = Sample(values: zip(zip(rawAppendWarm, rawAppendCold), appendReadCounts).map { times, read in
            let secondsPerToken = times.0 / Double(max(read, 1))
            return max(0, 0.25 * times.1 / max(secondsPerToken, 1e-9) - Double(appendTokens))
        })
        let met = append.median <= 0.25
        let rawMet = rawAppend.median <= 0.25
        return """
            ## 5. The story cache (stories of about \(storyTokens) prompt tokens)

            A second server spills stories to a fresh `--cache-dir`; the single-story baseline is a server \
            with `--no-disk-cache`, which keeps only the story in its pool (the behaviour before the story \
            cache). Times are to the first token, seconds, median (range), \(appendWarm.count) runs\
            \(measuredAlone ? ", measured on their own with `writer-assistant-bench --story-cache-only`" : "").

            | | with the story cache | baseline | ratio | target |
            |---|---|---|---|---|
            | a story read before a restart (the server stopped and started between) against it cold | \(Sample(values: restartWarm)) | \(Sample(values: restartCold)) | **\(restart.formatted("%.3f"))** | ≤ 0.1 |
            | two writers alternating on two stories: each request after their first, against a single-story cache | \(Sample(values: alternatingCached)) | \(Sample(values: alternatingSingle)) | **\(alternating.formatted("%.3f"))** | ≤ 0.2 |
            | a chapter of about \(appendTokens) tokens added to a cached story, against a story as long read cold | \(Sample(values: appendWarm)) | \(Sample(values: appendCold)) | **\(append.formatted("%.3f"))** | ≤ 0.25 |
            | the same token counts read by llama.cpp alone (no server), after each run | \(Sample(values: rawAppendWarm)) | \(Sample(values: rawAppendCold)) | \(rawAppend.formatted("%.3f")) | |

            Prompt tokens that came from the cache: \(Sample(values: restartReused).formatted("%.0f")) after the restart \
            (the story, read from disk; the second rater's own part is read anew), \
            \(Sample(values: appendReused).formatted("%.0f")) with the added chapter (everything before it). \
            The added chapter comes after the chapters already read and before the summary, outline and plot \
            point (the writing-session layout), so only it and what follows it are read.

            The added chapter \(met ? "meets" : "misses") 0.25\(met ? "" : " by what must be read after it"). \
            That request read \(appendRead) tokens: the chapter and \(appendRead - appendTokens) of summary, \
            outline, plot point, rater and instructions, which follow the chapters so that editing them \
            leaves the chapters cached. The cold request read \(appendColdTokens), so \
            \(String(format: "%.2f", share)) of the tokens; and tokens read deep into a story cost more than \
            the average of a cold read, since each attends to every token before it. The last row reads the \
            same counts with llama.cpp alone right after each run, in slices as the engine hands them over, \
            with its micro-batch and key type: \(rawAppend.median.threeDecimals) against the server's \
            \(append.median.threeDecimals), so \(rawMet ? "llama.cpp alone reaches 0.25 here" : "llama.cpp alone misses 0.25 too"). \
            At the cost a token read that deep took llama.cpp, 0.25 allows about \
            \(Int(affordableTail.median)) tokens after the chapter against the \(appendRead - appendTokens) read\
            \(rawMet ? "." : ": to reach it, the summary and outline would have to go before the chapters (then editing them makes the server read every chapter again) or the rater's part and instructions be cut to a fraction.")

            """
    }
}

private extension Double {
    var threeDecimals: String { String(format: "%.3f", self) }
}
