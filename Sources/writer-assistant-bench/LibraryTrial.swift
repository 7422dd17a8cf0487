import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// Section 11: the library, through the release server's HTTP API as a client sees it: saving
/// and opening a 100,000-word novel, listing 1,000 stories, searching 100 novels (about ten
/// million words), and what 1,000 small edits add to the database.
struct LibraryTrial {
    let executable: String
    let port: Int
    /// Timed repetitions of each call in each run.
    var samples = 60
    /// Saves of small edits whose added size is measured.
    var edits = 1_000
    /// Novels searched.
    var novels = 100

    /// Servers started afresh, each with an empty library; the report gives the median of their
    /// figures with the range.
    var runs = 3

    /// One run's figures: each call's latencies, and what the edits added.
    struct Run {
        /// `GET /health`: the HTTP round trip with no library work, the floor under every call.
        var floor: Percentiles
        var save: Percentiles
        var open: Percentiles
        var list: Percentiles
        var search: Percentiles
        var historyBytes: Int
    }

    struct Figures {
        var runs: [Run]
        var novelWords: Int
        var storiesListed: Int
        var searchedWords: Int
        var edits: Int
        var novelBytes: Int
        var samples: Int
        var novels: Int

        func markdown() -> String {
            func row(_ name: String, _ call: KeyPath<Run, Percentiles>, _ target: Double?) -> String {
                let p50 = Sample(values: runs.map { $0[keyPath: call].p50 })
                let p95 = Sample(values: runs.map { $0[keyPath: call].p95 })
                let verdict = target.map { "< \(Int($0)) ms | \(p95.median < $0 ? "met" : "**missed**")" } ?? "(baseline) | "
                return "| \(name) | \(p50.formatted("%.1f")) ms | \(p95.formatted("%.1f")) ms | \(verdict) |"
            }
            let history = Sample(values: runs.map { Double($0.historyBytes) / 1_000_000 })
            return """
                ## 11. The library

                Measured with `.build/release/writer-assistant-bench --library-only` against the release server's SQLite library
                (`--library-path` in a fresh folder), over HTTP on loopback, as a client sees it: each call \(samples) times in
                each of \(runs.count) runs, every run a new server on an empty library. Medians of the runs' percentiles, with
                their range; `GET /health`, timed in the same runs, is the HTTP round trip with no library work in it.

                | call | p50 | p95 | target (p95) | |
                |---|---|---|---|---|
                \(row("`GET /health` (no library work)", \.floor, nil))
                \(row("save a \(novelWords.formatted())-word novel (one chapter edited)", \.save, 100))
                \(row("open it", \.open, 100))
                \(row("list \(storiesListed.formatted()) stories", \.list, 50))
                \(row("search \(novels) novels (\(searchedWords.formatted()) words)", \.search, 100))

                History: \(edits.formatted()) saves of the novel, each with a small edit to one chapter, added
                **\(history.formatted("%.1f")) MB** to the database (target: under 50 MB; the novel's text alone is
                \(String(format: "%.1f", Double(novelBytes) / 1_000_000)) MB).
                """
        }
    }

    struct Percentiles {
        var values: [Double]

        func value(at fraction: Double) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }

        var p50: Double { value(at: 0.5) }
        var p95: Double { value(at: 0.95) }
    }

    func measure() async throws -> Figures {
        var measured: [Run] = []
        var random = SeededGenerator(seed: 11)
        let novel = Self.novel(title: "The Long Tide", chapters: 40, wordsPerChapter: 2_500, random: &random)
        // The searched novels are made once: writing ten million words is the slow part of a run.
        let others = (0..<novels).map { Self.novel(title: "Novel \($0)", chapters: 40, wordsPerChapter: 2_500, random: &random) }
        for run in 1...max(runs, 1) {
            log("run \(run) of \(runs)")
            measured.append(try await measureOnce(novel: novel, others: others, random: &random))
        }
        return Figures(
            runs: measured, novelWords: novel.wordCount, storiesListed: 1_000,
            searchedWords: others.reduce(novel.wordCount) { $0 + $1.wordCount }, edits: edits,
            novelBytes: (novel.structuredContext.previousChapters ?? []).reduce(0) { $0 + $1.content.utf8.count }, samples: samples,
            novels: novels)
    }

    private func measureOnce(novel: StoryDocument, others: [StoryDocument], random: inout SeededGenerator) async throws -> Run {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("library-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("library.sqlite").path
        let process = try ServerProcess(
            executable: executable, model: [], port: port, parallel: 1, sampling: .init(), extraArguments: ["--library-path", path])
        defer { process.stop() }
        let client = WriterAssistantClient(baseURL: process.baseURL, timeout: .seconds(120))
        try await waitForLibrary(client)

        log("a novel of 100,000 words: saves and opens")
        var novel = novel
        let stored = try await client.createStory(novel)
        var floors: [Double] = []
        var saves: [Double] = []
        var opens: [Double] = []
        for sample in 0..<samples {
            novel.structuredContext.previousChapters?[sample % 40].content += " She waited \(sample) minutes."
            floors.append(try await Self.time { _ = try await client.health() })
            saves.append(try await Self.time { _ = try await client.saveStory(stored.id, novel) })
            opens.append(try await Self.time { _ = try await client.story(stored.id) })
        }

        log("history: \(edits) small edits")
        let before = Self.size(path)
        for edit in 0..<edits {
            novel.structuredContext.previousChapters?[(edit * 7) % 40].content += " A word \(edit)."
            _ = try await client.saveStory(stored.id, novel)
        }
        let history = Self.size(path) - before

        log("1,000 stories listed")
        for index in 0..<(1_000 - 1) {
            _ = try await client.createStory(StoryDocument(title: "Story \(index)", structuredContext: StructuredContext(
                previousChapters: [Chapter(number: 1, content: Self.words(200, random: &random))])))
        }
        var lists: [Double] = []
        for _ in 0..<samples { lists.append(try await Self.time { _ = try await client.stories() }) }

        log("\(novels) novels searched")
        for other in others { _ = try await client.createStory(other) }
        var searches: [Double] = []
        for sample in 0..<samples {
            let query = [Self.vocabulary[(sample * 13) % Self.vocabulary.count], Self.vocabulary[(sample * 29 + 5) % Self.vocabulary.count]]
                .joined(separator: " ")
            searches.append(try await Self.time { _ = try await client.search(query) })
        }
        return Run(
            floor: Percentiles(values: floors), save: Percentiles(values: saves), open: Percentiles(values: opens),
            list: Percentiles(values: lists), search: Percentiles(values: searches), historyBytes: history)
    }

    private func waitForLibrary(_ client: WriterAssistantClient) async throws {
        for _ in 0..<300 {
            if let health = try? await client.health(), health.library?.available == true { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw MeasurementFailure(description: "the server's library did not open")
    }

    /// Milliseconds `body` takes.
    private static func time(_ body: () async throws -> Void) async throws -> Double {
        let started = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// The database with its write-ahead log.
    private static func size(_ path: String) -> Int {
        [path, path + "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int }.reduce(0, +)
    }

    /// Two thousand made-up words, so that searches have words of every frequency.
    static let vocabulary: [String] = {
        var random = SeededGenerator(seed: 3)
        let onsets = ["b", "br", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "st", "t", "th", "v", "w"]
        let vowels = ["a", "e", "i", "o", "u", "ai", "ea", "ou"]
        let codas = ["", "n", "r", "s", "th", "ll", "nd", "rk"]
        return (0..<2_000).map { _ in
            (0..<(2 + Int(random.next() % 2))).map { _ in
                onsets[Int(random.next() % UInt64(onsets.count))] + vowels[Int(random.next() % UInt64(vowels.count))]
                    + codas[Int(random.next() % UInt64(codas.count))]
            }.joined()
        }
    }()

    /// Words drawn with a skew, as in prose: a few common, most rare.
    static func words(_ count: Int, random: inout SeededGenerator) -> String {
        (0..<count).map { index in
            let skewed = Int(pow(random.nextUnit(), 3) * Double(vocabulary.count))
            return vocabulary[min(skewed, vocabulary.count - 1)] + (index % 15 == 14 ? "." : "")
        }.joined(separator: " ")
    }

    static func novel(title: String, chapters: Int, wordsPerChapter: Int, random: inout SeededGenerator) -> StoryDocument {
        StoryDocument(title: title, structuredContext: StructuredContext(
            worldbuilding: Worldbuilding(content: words(300, random: &random)),
            previousChapters: (1...chapters).map { number in
                Chapter(number: number, title: "Chapter \(number)", content: (0..<(wordsPerChapter / 250)).map { _ in
                    words(250, random: &random)
                }.joined(separator: "\n\n"))
            }))
    }

    private func log(_ text: String) {
        FileHandle.standardError.write(Data("bench: library: \(text)\n".utf8))
    }
}
