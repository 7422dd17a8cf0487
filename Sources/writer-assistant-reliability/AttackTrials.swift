import AsyncHTTPClient
import Foundation
import MeasurementSupport
import NIOCore
import NIOHTTP1
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// Three attacks on a shared server, each measured beside what an honest request gets in the same
/// run: a writer probing another writer's story through the prefix cache, a story built to make
/// trimming slow, and hundreds of large uploads at once.
struct AttackTrials {
    let executable: String
    let modelPath: String
    let port: Int
    /// Bodies of the uploads and floods, kept separate from the trials' own clients so that
    /// hundreds of connections at once do not wait for a pool.
    let http: HTTPClient

    /// What one request taught its sender about the cache.
    struct CacheReading {
        var promptTokens: Int
        var cachedTokens: Int
        /// Seconds to the answer's first token.
        var firstToken: Double
    }

    struct CacheProbe {
        /// Alice sends her own story again: what the cache is for.
        var owner: CacheReading
        /// Bob sends Alice's story, word for word: the probe.
        var probe: CacheReading
        /// Bob sends a new story of his own, of the same length: nothing cached to find.
        var fresh: CacheReading
    }

    struct Trimming {
        /// 200,000 one-letter chapters in one 3 MB body.
        var floodStatus: Int
        var floodSeconds: Double
        var floodCPUSeconds: Double
        var floodBytes: Int
        /// A novel at the chapter bound (1,000 chapters) that must be trimmed to the window.
        var boundSecondsToReading: Double
        var boundCPUSeconds: Double
        var boundBytes: Int
    }

    struct Uploads {
        var idleMiB: Double
        var peakMiB: Double
        var seconds: Double
        /// `status error_code` of each answer; `no answer` when the connection failed.
        var outcomes: [String: Int]
    }

    struct Figures {
        var cache: [CacheProbe] = []
        var trimming: [Trimming] = []
        var limited: [Uploads] = []
        var lifted: [Uploads] = []
        var uploads = 0
        var uploadBytes = 0
    }

    /// `runs` of each attack, each on fresh servers.
    func measure(runs: Int) async throws -> Figures {
        var figures = Figures()
        for run in 1...max(runs, 1) {
            print("Attacks, run \(run) of \(runs): the cache probe and the trimming flood…")
            let (cache, trimming) = try await cacheAndTrimming(seed: UInt64(run))
            figures.cache.append(cache)
            figures.trimming.append(trimming)
            print("Attacks, run \(run) of \(runs): uploads…")
            let upload = Self.upload()
            figures.uploads = Self.uploadCount
            figures.uploadBytes = upload.readableBytes
            figures.limited.append(try await uploads(upload, extraArguments: []))
            figures.lifted.append(try await uploads(upload, extraArguments: ["--max-body-memory", "1048576", "--max-connections", "100000"]))
        }
        return figures
    }

    // MARK: The cache probe and the trimming flood

    private func cacheAndTrimming(seed: UInt64) async throws -> (CacheProbe, Trimming) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("attacks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = folder.appendingPathComponent("keys")
        let (alice, bob) = ("alice-" + UUID().uuidString, "bob-" + UUID().uuidString)
        try Data("alice:\(alice)\nbob:\(bob)\n".utf8).write(to: keys)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keys.path)

        let process = try ServerProcess(
            executable: executable, modelPath: modelPath, port: port, parallel: 1, sampling: SamplingParameters(temperature: 0, maxTokens: 160),
            extraArguments: ["--api-key-file", keys.path])
        defer { process.stop() }
        let aliceClient = WriterAssistantClient(baseURL: process.baseURL, apiKey: alice)
        let bobClient = WriterAssistantClient(baseURL: process.baseURL, apiKey: bob)
        try await process.waitUntilReady(aliceClient)

        var random = SeededGenerator(seed: seed)
        let hers = Self.request(story: Self.prose(900, random: &random))
        let his = Self.request(story: Self.prose(900, random: &random))
        _ = try await Self.reading(hers, by: aliceClient)
        let probe = CacheProbe(
            owner: try await Self.reading(hers, by: aliceClient),
            probe: try await Self.reading(hers, by: bobClient),
            fresh: try await Self.reading(his, by: bobClient))

        let cpu = process.cpuSeconds
        let flood = Self.floodBody()
        let floodStart = (ContinuousClock.now, cpu() ?? 0)
        let floodStatus = try await post(flood, to: process.baseURL + "/api/v1/rater-feedback", key: alice).status
        let floodSeconds = (ContinuousClock.now - floodStart.0).inSeconds
        let floodCPU = (cpu() ?? 0) - floodStart.1

        let bound = Self.request(chapters: (1...StructuredContext.mostChapters).map { number in
            Chapter(number: number, content: Self.prose(500, random: &random))
        })
        let boundBytes = try JSONEncoder().encode(bound).count
        let boundStart = (ContinuousClock.now, cpu() ?? 0)
        var boundSeconds = Double.nan
        for try await event in aliceClient.events(bound) {
            if case .status(.evaluating, _, _, _) = event {
                boundSeconds = (ContinuousClock.now - boundStart.0).inSeconds
                break
            }
        }
        let boundCPU = (cpu() ?? 0) - boundStart.1
        return (probe, Trimming(
            floodStatus: floodStatus, floodSeconds: floodSeconds, floodCPUSeconds: floodCPU, floodBytes: flood.readableBytes,
            boundSecondsToReading: boundSeconds, boundCPUSeconds: boundCPU, boundBytes: boundBytes))
    }

    /// The request's cached tokens and its time to the first token, as its sender sees them.
    private static func reading(_ request: RaterFeedbackRequest, by client: WriterAssistantClient) async throws -> CacheReading {
        let started = ContinuousClock.now
        var firstToken: Double?
        for try await event in client.events(request, includeTokens: true) {
            switch event {
            case .token:
                if firstToken == nil { firstToken = (ContinuousClock.now - started).inSeconds }
            case .result(let result):
                let metadata = result.contextMetadata
                return CacheReading(
                    promptTokens: metadata.promptTokens ?? 0, cachedTokens: metadata.cachedTokens ?? 0, firstToken: firstToken ?? .nan)
            case .error(let message, let code):
                throw MeasurementFailure(description: "the cache probe's request failed: \(code.rawValue) \(message)")
            case .status:
                break
            }
        }
        throw MeasurementFailure(description: "the cache probe's stream ended without a result")
    }

    /// 200,000 chapters of one letter each: the body that made trimming quadratic.
    private static func floodBody() -> ByteBuffer {
        var body = ByteBuffer(string: #"{"raterPrompt": "Judge the pacing.", "plotPoint": "A door opens.", "structured_context": {"previousChapters": ["#)
        for index in 0..<200_000 { body.writeString(index == 0 ? #"{"content": "a"}"# : #",{"content": "a"}"#) }
        body.writeString("]}}")
        return body
    }

    // MARK: Uploads

    static let uploadCount = 256

    /// An 8 MiB request, just within the default body size: one long chapter.
    private static func upload() -> ByteBuffer {
        let prefix = #"{"raterPrompt": "Judge the pacing.", "plotPoint": "A door opens.", "structured_context": {"previousChapters": [{"content": ""#
        let suffix = #""}]}}"#
        let length = (8 << 20) - prefix.utf8.count - suffix.utf8.count
        var body = ByteBuffer(string: prefix)
        body.writeString(String(repeating: "word ", count: length / 5) + String(repeating: "w", count: length % 5))
        body.writeString(suffix)
        return body
    }

    /// `uploadCount` copies of `body` sent at once to a server without a model (so every body
    /// is read and decoded, then answered at once), with the server's resident memory sampled
    /// throughout.
    private func uploads(_ body: ByteBuffer, extraArguments: [String]) async throws -> Uploads {
        let process = try ServerProcess(executable: executable, model: [], port: port + 1, parallel: 1, sampling: .init(), extraArguments: extraArguments)
        defer { process.stop() }
        let client = WriterAssistantClient(baseURL: process.baseURL)
        for _ in 0..<300 where (try? await client.health()) == nil { try await Task.sleep(for: .milliseconds(100)) }
        try await Task.sleep(for: .milliseconds(500))
        let memory = process.residentMemory
        let idle = Double(memory() ?? 0) / 1_048_576
        let started = ContinuousClock.now
        let url = process.baseURL + "/api/v1/rater-feedback"
        let (outcomes, peak) = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                // The sampler: the highest resident memory while the uploads run.
                var peak = 0
                while !Task.isCancelled {
                    peak = max(peak, memory() ?? 0)
                    try? await Task.sleep(for: .milliseconds(20))
                }
                return "peak \(peak)"
            }
            for _ in 0..<Self.uploadCount {
                group.addTask { [self] in
                    guard let answer = try? await post(body, to: url, key: nil) else { return "no answer" }
                    return "\(answer.status) \(answer.code ?? "")".trimmingCharacters(in: .whitespaces)
                }
            }
            var outcomes: [String: Int] = [:]
            var peak = 0
            var left = Self.uploadCount
            while let outcome = try await group.next() {
                guard let outcome else { continue }
                if outcome.hasPrefix("peak ") {
                    peak = Int(outcome.dropFirst(5)) ?? 0
                    continue
                }
                outcomes[outcome, default: 0] += 1
                left -= 1
                if left == 0 { group.cancelAll() }
            }
            return (outcomes, peak)
        }
        return Uploads(idleMiB: idle, peakMiB: Double(peak) / 1_048_576, seconds: (ContinuousClock.now - started).inSeconds, outcomes: outcomes)
    }

    // MARK: Helpers

    /// Posts `body` as JSON: the status and the answer's `error_code`.
    private func post(_ body: ByteBuffer, to url: String, key: String?) async throws -> (status: Int, code: String?) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(body)
        let response = try await http.execute(request, timeout: .seconds(600))
        let answer = try await response.body.collect(upTo: 1 << 20)
        let code = (try? JSONDecoder().decode(ErrorResponse.self, from: Data(answer.readableBytesView)))?.errorCode.rawValue
        return (Int(response.status.code), code)
    }

    private static func request(story: String) -> RaterFeedbackRequest {
        request(chapters: [Chapter(number: 1, title: "The Crossing", content: story)])
    }

    private static func request(chapters: [Chapter]) -> RaterFeedbackRequest {
        RaterFeedbackRequest(
            raterPrompt: "You are a pacing critic. Judge whether the scene moves at the right speed.",
            plotPoint: "Mara opens the sealed letter.", raterName: "Pacing",
            structuredContext: StructuredContext(previousChapters: chapters))
    }

    private static let vocabulary = [
        "harbour", "lantern", "ferry", "tide", "letter", "bridge", "weir", "salt", "rope", "gull", "night", "river",
        "quiet", "brother", "mother", "winter", "stone", "bell", "rain", "candle", "door", "road", "island", "boat",
    ]

    /// `count` words of made-up prose, different for every seed.
    private static func prose(_ count: Int, random: inout SeededGenerator) -> String {
        (0..<count).map { index in
            let word = vocabulary[Int(random.next() % UInt64(vocabulary.count))]
            return index % 12 == 11 ? word + "." : word
        }.joined(separator: " ")
    }
}

extension AttackTrials.Figures {
    static let heading = "## Attacks on a shared server"

    func markdown() -> String {
        func seconds(_ values: [Double], _ format: String = "%.2f") -> String { Sample(values: values).formatted(format) }
        func cacheRow(_ name: String, _ reading: KeyPath<AttackTrials.CacheProbe, AttackTrials.CacheReading>) -> String {
            let readings = cache.map { $0[keyPath: reading] }
            return "| \(name) | \(seconds(readings.map { Double($0.promptTokens) }, "%.0f")) | \(seconds(readings.map { Double($0.cachedTokens) }, "%.0f")) | \(seconds(readings.map(\.firstToken))) |"
        }
        func uploadRow(_ name: String, _ runs: [AttackTrials.Uploads]) -> String {
            let outcomes = Dictionary(runs.flatMap(\.outcomes), uniquingKeysWith: +).sorted { $0.key < $1.key }
                .map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
            return "| \(name) | \(seconds(runs.map(\.idleMiB), "%.0f")) | \(seconds(runs.map(\.peakMiB), "%.0f")) | \(seconds(runs.map(\.seconds), "%.1f")) | \(outcomes) |"
        }
        let floodStatuses = Set(trimming.map(\.floodStatus)).sorted().map(String.init).joined(separator: ", ")
        let floodMB = String(format: "%.1f", Double(trimming.first?.floodBytes ?? 0) / 1_000_000)
        let boundMB = String(format: "%.1f", Double(trimming.first?.boundBytes ?? 0) / 1_000_000)
        let uploadMiB = (uploadBytes + (1 << 19)) >> 20
        return """
            \(Self.heading)

            Measured by `writer-assistant-reliability --attacks-only` (part of `make reliability`), \(cache.count) runs, each on
            fresh servers; medians with their range. Each attack is set beside what an honest request gets in the same run.

            ### A writer probing another writer's story through the prefix cache

            A server with two writers' keys (`--api-key-file`, `--parallel 1`); Alice's story (one chapter of 900 words) is
            read once, then sent three more times. Before each writer's cache was kept apart, Bob sending Alice's story got
            1,089 cached tokens and his first token in 0.09 s, against 32 tokens and 5.0 s for a story of his own: the
            figures confirmed her text. Now the probe reads like any new story.

            | request | prompt tokens | cached tokens | first token (s) |
            |---|---|---|---|
            \(cacheRow("Alice sends her story again (what the cache is for)", \.owner))
            \(cacheRow("Bob sends Alice's story word for word (the probe)", \.probe))
            \(cacheRow("Bob sends a new story of the same length", \.fresh))

            ### A story built to make trimming slow

            Before, a \(floodMB) MB body of 200,000 one-letter chapters took 63 s of the server's CPU before its answer (a 400):
            sections were dropped one at a time. Now the chapter count is bounded when the body is read, and a story within
            the bounds is trimmed in one pass.

            | request | answer | seconds | server CPU (s) |
            |---|---|---|---|
            | \(floodMB) MB: 200,000 one-letter chapters | \(floodStatuses) | \(seconds(trimming.map(\.floodSeconds), "%.3f")) | \(seconds(trimming.map(\.floodCPUSeconds))) |
            | \(boundMB) MB: \(StructuredContext.mostChapters.formatted()) chapters of 500 words, trimmed to the window (time to `evaluating`) | stream | \(seconds(trimming.map(\.boundSecondsToReading))) | \(seconds(trimming.map(\.boundCPUSeconds))) |

            ### \(uploads) uploads of \(uploadMiB) MiB at once

            \(uploads) clients each send an \(uploadMiB) MiB request at the same moment to a server without a model (so every
            body it accepts is read and decoded, then answered `LLM_NOT_AVAILABLE`); the server's resident memory is sampled
            every 20 ms. At the defaults (`--max-body-memory 64`, `--max-connections 512`) bodies beyond the budget are
            refused with 503 `SERVER_BUSY` before they are read; with the limits lifted, every body is held at once.

            | server | idle (MiB) | peak (MiB) | seconds | answers (all runs together) |
            |---|---|---|---|---|
            \(uploadRow("defaults", limited))
            \(uploadRow("limits lifted (`--max-body-memory 1048576 --max-connections 100000`)", lifted))
            """
    }
}
