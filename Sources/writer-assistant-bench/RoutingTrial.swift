import Foundation
import LlamaEngine
import MeasurementSupport
import RemoteEngine
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantLLM

/// A pool of two model servers under a stream of panels over several stories: story-aware
/// routing against round-robin, in the same run.
struct RoutingFigures {
    var storyTokens = 0
    var answerTokens = 0
    var panels = 0
    /// Per run, the median first token of raters 2–4 of a panel (the three that were not first).
    var laterFirstToken: [UpstreamRouter.Policy: [Double]] = [:]
    /// Per run, seconds the whole stream took.
    var total: [UpstreamRouter.Policy: [Double]] = [:]

    func markdown() -> String {
        let figures = self
        let story = UpstreamRouter.Policy.story, roundRobin = UpstreamRouter.Policy.roundRobin
        let later = Sample.ratios(figures.laterFirstToken[story] ?? [], figures.laterFirstToken[roundRobin] ?? [])
        let total = Sample.ratios(figures.total[story] ?? [], figures.total[roundRobin] ?? [])
        return """
            ## 9. A pool of two model servers: story-aware routing against round-robin

            Two llama-cpp-python servers (`python -m llama_cpp.server`, the default model, one thread each, \
            which keep the last prompt evaluated for the next), and the release server in front of them \
            with `--llm-url` for each, `--llm-dialect llama-cpp` and `--llm-routing` set to each policy in \
            turn (which goes first alternates by run). Two writers at once, each with two stories of about \
            \(figures.storyTokens) prompt tokens, each asking a panel of four raters about one story, then \
            the other, then both again: \(figures.panels) panels a stream, answers of at most \
            \(figures.answerTokens) tokens. Seconds, median (range).

            | | story-aware | round-robin | ratio |
            |---|---|---|---|
            | first token of raters 2–4 of a panel (each run's median) | \(Sample(values: figures.laterFirstToken[story] ?? [])) | \(Sample(values: figures.laterFirstToken[roundRobin] ?? [])) | **\(later.formatted("%.2f"))** |
            | the whole stream | \(Sample(values: figures.total[story] ?? [])) | \(Sample(values: figures.total[roundRobin] ?? [])) | **\(total.formatted("%.2f"))** |

            Story-aware routing sends a panel to the server that read its story last, which reads it once \
            and serves the other raters from its cache; round-robin spreads each panel over both servers, \
            which read the story once each and lose it to the other writer's story in between. Raters 2–4 \
            wait long either way because llama-cpp-python's server writes one answer at a time: a server \
            that batches (vLLM, llama.cpp's own) would serve the panel together.

            """
    }
}

struct RoutingTrial {
    let executable: String
    let modelPath: String
    let port: Int
    let sampling: SamplingParameters
    let runs: Int

    /// Two writers, each revisiting two stories of their own twice: eight panels of four raters.
    static let writers = 2
    static let storiesPerWriter = 2
    static let visits = 2

    /// Answers are kept short here: two model servers serving one panel member at a time each
    /// take minutes a stream, and what routing changes is the reading of stories.
    static let answerTokens = 128

    func measure(seed: inout Int) async throws -> RoutingFigures {
        // One thread each: the two upstreams share this machine's cores, as two GPUs would not.
        let upstreams = (0..<2).map { ModelServerProcess(modelPath: modelPath, port: port + 10 + $0, settings: .tuned(threads: 1, interruptsRequests: false)) }
        defer { upstreams.forEach { $0.stop() } }
        for upstream in upstreams { try await upstream.start() }

        var figures = RoutingFigures()
        figures.storyTokens = try await Self.promptTokens(modelPath: modelPath)
        figures.answerTokens = Self.answerTokens
        figures.panels = Self.writers * Self.storiesPerWriter * Self.visits
        for run in 0..<runs {
            // Alternate which policy goes first, so that neither always meets the warmer machine.
            let order = run % 2 == 0 ? UpstreamRouter.Policy.allCases : UpstreamRouter.Policy.allCases.reversed()
            for policy in order {
                seed += 1
                let stories = (0..<Self.writers).map { writer in
                    (0..<Self.storiesPerWriter).map { Self.story(seed * 100 + writer * 10 + $0) }
                }
                let (later, total) = try await stream(policy, upstreams: upstreams, stories: stories)
                figures.laterFirstToken[policy, default: []].append(later)
                figures.total[policy, default: []].append(total)
            }
        }
        return figures
    }

    /// One stream of panels through a fresh server routing by `policy`: the median first token of
    /// raters 2–4, and the whole stream's time.
    private func stream(
        _ policy: UpstreamRouter.Policy, upstreams: [ModelServerProcess], stories: [[StructuredContext]]
    ) async throws -> (Double, Double) {
        log("routing: \(policy.rawValue)")
        let process = try ServerProcess(
            executable: executable, model: upstreams.flatMap { ["--llm-url", $0.baseURL] }, port: port, parallel: 4,
            sampling: SamplingParameters(temperature: sampling.temperature, maxTokens: Self.answerTokens, seed: sampling.seed),
            extraArguments: ["--llm-dialect", "llama-cpp", "--llm-routing", policy.rawValue])
        defer { process.stop() }
        let client = WriterAssistantClient(baseURL: process.baseURL)
        try await process.waitUntilReady(client)
        let started = ContinuousClock.now
        let panels = try await withThrowingTaskGroup(of: [[Double]].self) { group in
            for writer in stories {
                group.addTask {
                    var panels: [[Double]] = []
                    for _ in 0..<Self.visits {
                        for story in writer {
                            panels.append(try await Self.panel(on: story, client: client))
                        }
                    }
                    return panels
                }
            }
            return try await group.reduce(into: [[Double]]()) { $0 += $1 }
        }
        let total = (ContinuousClock.now - started).inSeconds
        let later = panels.flatMap { $0.sorted().dropFirst() }
        return (Sample(values: later).median, total)
    }

    /// Each rater's first token, in seconds. An answer cut off at the short budget still counts:
    /// its first token is what routing changes.
    private static func panel(on story: StructuredContext, client: WriterAssistantClient) async throws -> [Double] {
        try await withThrowingTaskGroup(of: Double.self) { group in
            for rater in 0..<4 {
                group.addTask {
                    let started = ContinuousClock.now
                    var firstToken: Duration?
                    for try await event in client.raterFeedbackEvents(BenchmarkStory.request(rater: rater, context: story), includeTokens: true) {
                        switch event {
                        case .token:
                            if firstToken == nil { firstToken = ContinuousClock.now - started }
                        case .error(let message, let code) where code != .answerTruncated:
                            throw MeasurementFailure(description: "a rater failed: \(code.rawValue) \(message)")
                        default:
                            break
                        }
                    }
                    return (firstToken ?? ContinuousClock.now - started).inSeconds
                }
            }
            return try await group.reduce(into: [Double]()) { $0.append($1) }
        }
    }

    /// The size of the trial's stories in the default model's own tokens (the pool's estimates are
    /// only estimates).
    private static func promptTokens(modelPath: String) async throws -> Int {
        let engine = try await LlamaEngine.load(.init(modelPath: modelPath, parallel: 1))
        defer { engine.shutdown() }
        let request = BenchmarkStory.request(rater: 0, context: story(0))
        return try await PromptAssembler(answerReserve: answerTokens).assemble(request, for: engine).prompt.tokenCount
    }

    static func story(_ seed: Int) -> StructuredContext {
        BenchmarkStory.context(seed: seed, chapters: 3, sentencesPerChapter: 10)
    }

    private func log(_ text: String) {
        FileHandle.standardError.write(Data("bench: \(text)\n".utf8))
    }
}
