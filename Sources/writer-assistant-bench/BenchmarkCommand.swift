import MeasurementSupport
import ArgumentParser
import Foundation
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantClient

/// `make bench`: measures the release server with the default model and writes BENCHMARKS.md.
@main
struct BenchmarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writer-assistant-bench",
        abstract: "Measure the server: one request, a panel of raters, prefix reuse, the story cache, memory.")

    @Option(help: "The server executable (a release build).")
    var server = ".build/release/writer-assistant"

    @Option(help: "The GGUF model.")
    var modelPath = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Repetitions of each measurement; medians are reported.")
    var runs = 5

    @Option(help: "Port for the server under test.")
    var port = 8077

    @Option(help: "Longest answer, in tokens.")
    var maxTokens = 300

    @Option(help: "Where to write the report.")
    var output = "BENCHMARKS.md"

    @Flag(help: "Measure only the pool of model servers (section 9) and print it, leaving the report as it is.")
    var routingOnly = false

    @Flag(help: "Measure only one request (section 1) and put it in the report in place of the one there.")
    var singleOnly = false

    @Flag(help: "Measure only chapter generation (section 10) and put it in the report in place of the one there.")
    var chaptersOnly = false

    @Flag(help: "Measure only the story cache (section 5) and put it in the report in place of the one there.")
    var storyCacheOnly = false

    @Flag(help: "Measure only the library (section 11) and put it in the report in place of the one there.")
    var libraryOnly = false

    @Flag(help: "Measure only long novels (section 12) and put it in the report in place of the one there.")
    var longNovelOnly = false

    @Option(help: ArgumentHelp("Print llama.cpp's decode rate alone for DEPTH,TOKENS and exit.", visibility: .private))
    var rawDecode: String?

    @Option(help: ArgumentHelp("Print the in-process pipeline's decode rate on the single-request story SEED and exit.", visibility: .private))
    var inProcessSeed: Int?

    /// Slots of the server under test, and of the pipeline measured in-process beside it.
    static let parallel = 4

    func run() async throws {
        if libraryOnly {
            let figures = try await LibraryTrial(executable: server, port: port + 3, runs: min(runs, 3)).measure()
            return try replaceSection("## 11. ", with: figures.markdown())
        }
        if routingOnly {
            var seed = Int(Date().timeIntervalSince1970) % 100_000
            let sampling = SamplingParameters(temperature: 0, maxTokens: maxTokens, seed: 1)
            let routing = try await RoutingTrial(executable: server, modelPath: modelPath, port: port + 2, sampling: sampling, runs: runs)
                .measure(seed: &seed)
            print(routing.markdown())
            return
        }
        let threads = ProcessInfo.processInfo.activeProcessorCount
        // Greedy with a fixed seed, so that runs compare; the in-process pipeline runs the same.
        let sampling = SamplingParameters(temperature: 0, maxTokens: maxTokens, seed: 1)
        // The measurements a parent bench takes in a process of their own (`MeasuredAlone`).
        if let rawDecode {
            let numbers = rawDecode.split(separator: ",").compactMap { Int($0) }
            guard numbers.count == 2 else { throw ValidationError("--raw-decode takes DEPTH,TOKENS") }
            return print(try RawDecodeBaseline.measure(
                modelPath: modelPath, threads: threads, shape: .init(depth: numbers[0], tokens: numbers[1])))
        }
        if let inProcessSeed {
            return print(try await InProcessPipeline.decodeRate(
                for: SingleRequestTrial.request(seed: inProcessSeed), modelPath: modelPath, parallel: Self.parallel, sampling: sampling))
        }
        if longNovelOnly {
            var seed = Int(Date().timeIntervalSince1970) % 100_000
            let figures = try await LongNovelTrial(
                executable: server, modelPath: modelPath, port: port + 4, sampling: sampling, runs: min(runs, 3)
            ).measure(seed: &seed)
            return try replaceSection("## 12. ", with: figures.markdown())
        }
        if storyCacheOnly {
            let trials = StoryCacheTrials(
                executable: server, modelPath: modelPath, port: port + 1, sampling: sampling, runs: runs, threads: threads)
            var seed = Int(Date().timeIntervalSince1970) % 100_000
            var figures = try await trials.storyCache(seed: &seed)
            figures.measuredAlone = true
            return try replaceSection("## 5. ", with: figures.markdown())
        }
        let parallel = Self.parallel
        var seed = Int(Date().timeIntervalSince1970) % 100_000
        // A server of their own for each run, so that every figure is taken with no other model
        // loaded: on two cores another model's threads slow whatever runs beside them.
        let singleTrial = SingleRequestTrial(
            executable: server, modelPath: modelPath, port: port + 5, parallel: parallel, sampling: sampling, count: 2 * runs)
        let chapterTrial = ChapterTrial(
            executable: server, modelPath: modelPath, port: port + 5, parallel: parallel, sampling: sampling, runs: runs)
        if singleOnly {
            var single = try await singleTrial.measure(seed: &seed)
            single.measuredAlone = true
            return try replaceSection("## 1. ", with: single.markdown())
        }
        if chaptersOnly {
            var chapters = try await chapterTrial.measure(seed: &seed)
            chapters.measuredAlone = true
            return try replaceSection("## 10. ", with: chapters.markdown())
        }

        log("single requests: the server, the pipeline in-process and llama.cpp alone in turn")
        let single = try await singleTrial.measure(seed: &seed)

        let (process, client) = try await ServerProcess.started(
            executable: server, modelPath: modelPath, port: port, parallel: parallel, sampling: sampling)
        defer { process.stop() }

        log("panels of four, together and one after another")
        var together: [Double] = []
        var sequential: [Double] = []
        var sequentialUncached: [Double] = []
        var panelPromptTokens = 0
        for _ in 0..<runs {
            seed += 1
            let context = BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11)
            let started = ContinuousClock.now
            let runs = try await withThrowingTaskGroup(of: TimedRun.self) { group in
                for rater in 0..<4 {
                    group.addTask { try await TimedRun.run(BenchmarkStory.request(rater: rater, context: context), on: client) }
                }
                return try await group.reduce(into: [TimedRun]()) { $0.append($1) }
            }
            together.append((ContinuousClock.now - started).inSeconds)
            panelPromptTokens = runs.map(\.promptTokens).max() ?? 0

            seed += 1
            let other = BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11)
            let sequentialStart = ContinuousClock.now
            for rater in 0..<4 { _ = try await TimedRun.run(BenchmarkStory.request(rater: rater, context: other), on: client) }
            sequential.append((ContinuousClock.now - sequentialStart).inSeconds)

            // What a server without prefix reuse does: every rater reads a story of the same length anew.
            let uncachedStart = ContinuousClock.now
            for rater in 0..<4 {
                seed += 1
                let fresh = BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11)
                _ = try await TimedRun.run(BenchmarkStory.request(rater: rater, context: fresh), on: client)
            }
            sequentialUncached.append((ContinuousClock.now - uncachedStart).inSeconds)
        }

        log("first token: a new story against a second rater on the same story")
        var cold: [Double] = []
        var warm: [Double] = []
        var reused: [Double] = []
        for _ in 0..<runs {
            seed += 1
            let context = BenchmarkStory.context(seed: seed, chapters: 6, sentencesPerChapter: 11)
            cold.append(try await TimedRun.run(BenchmarkStory.request(rater: 0, context: context), on: client).firstToken.inSeconds)
            let second = try await TimedRun.run(BenchmarkStory.request(rater: 1, context: context), on: client)
            warm.append(second.firstToken.inSeconds)
            reused.append(Double(second.cachedTokens))
        }
        // Sections 2-3's server; the trials below start their own.
        let peakResidentBytes = process.peakResidentBytes
        log("chapter generation: decode against raw, a second chapter against the first")
        process.stop()
        let chapters = try await chapterTrial.measure(seed: &seed)

        let trials = StoryCacheTrials(
            executable: server, modelPath: modelPath, port: port + 1, sampling: sampling, runs: runs, threads: threads)
        let storyCache = try await trials.storyCache(seed: &seed)
        let memory = try await trials.memory(seed: &seed)
        log("8-bit against 16-bit keys, in-process")
        let keyCache = try await KeyCacheComparison.measure(modelPath: modelPath, runs: runs, seed: &seed)
        log("weight formats, in-process")
        let quantization = try await QuantizationComparison.measure(modelPath: modelPath, server: server, runs: runs, seed: &seed)
        log("a pool of two model servers: story-aware routing against round-robin")
        let routing = try await RoutingTrial(executable: server, modelPath: modelPath, port: port + 2, sampling: sampling, runs: min(runs, 3))
            .measure(seed: &seed)
        log("the library: saves, opens, lists, searches and history")
        let library = try await LibraryTrial(executable: server, port: port + 3, runs: min(runs, 3)).measure()
        log("a long novel: summaries, a panel's first token, the story cache")
        let longNovel = try await LongNovelTrial(
            executable: server, modelPath: modelPath, port: port + 4, sampling: sampling, runs: min(runs, 3)
        ).measure(seed: &seed)

        let report = Report(
            threads: threads, modelPath: modelPath, runs: runs, serverSettings: process.settings, single: single,
            together: Sample(values: together), sequential: Sample(values: sequential),
            sequentialUncached: Sample(values: sequentialUncached), panelPromptTokens: panelPromptTokens,
            cold: Sample(values: cold), warm: Sample(values: warm), reused: Sample(values: reused),
            peakResidentBytes: peakResidentBytes, storyCache: storyCache, memory: memory, keyCache: keyCache,
            quantization: quantization, routing: routing, chapters: chapters)
        let markdown = report.markdown() + "\n" + library.markdown() + "\n" + longNovel.markdown() + "\n"
        try markdown.write(toFile: output, atomically: true, encoding: .utf8)
        print(markdown)
    }

    /// Prints a section measured on its own and puts it in the report in place of the old one.
    private func replaceSection(_ heading: String, with section: String) throws {
        print(section)
        try ReportSection.replace(heading, with: section, in: output)
    }

    private func log(_ text: String) {
        FileHandle.standardError.write(Data("bench: \(text)\n".utf8))
    }
}
