import ArgumentParser
import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// `make eval`: every story of the corpus, asked of every rater as a panel, through the release
/// server's streaming endpoint at the default temperature; once per sampling setting, each on a
/// fresh server, and several times with the defaults. Writes QUALITY.md.
@main
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writer-assistant-eval",
        abstract: "Measure what writers read: loops, suggestion count and distinctness, grounding.")

    @Option(help: "The server executable (a release build).")
    var server = ".build/release/writer-assistant"

    @Option(help: "The GGUF model.")
    var modelPath = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "The corpus of story bibles and raters.")
    var corpus = "eval/corpus.json"

    @Option(help: "Passes over the corpus with the default settings.")
    var passes = 3

    @Option(help: "Port for the server under test.")
    var port = 8078

    @Option(help: "Where to write the report.")
    var output = "QUALITY.md"

    @Option(help: "Also write every answer, raw text included, to this JSON file.")
    var record: String?

    @Flag(help: "Only the default settings, without the comparison rows.")
    var defaultsOnly = false

    @Flag(help: "Only the writing operations, put in the report in place of their section.")
    var operationsOnly = false

    @Flag(help: "Only the long novels, put in the report in place of their section.")
    var longNovels = false

    @Flag(help: "Only the long novels' shares of the budget, put in the report in place of their section.")
    var budgetSplit = false

    /// A way to run the server, as the report names it.
    struct Setting {
        var label: String
        var arguments: [String]
        var passes: Int
        /// Another model file than `--model-path`.
        var modelPath: String?
    }

    func run() async throws {
        if longNovels || budgetSplit {
            if longNovels {
                try ReportSection.replace(LongNovelEvaluation.heading, with: try await longNovelSection(measuredAlone: true), in: output)
                log("wrote the long novels into \(output)")
            }
            if budgetSplit {
                try ReportSection.replace(BudgetSplitEvaluation.heading, with: try await budgetSplitSection(measuredAlone: true), in: output)
                log("wrote the long novels' shares of the budget into \(output)")
            }
            return
        }
        let corpus = try QualityCorpus.load(corpus)
        if operationsOnly {
            let section = OperationReport(checks: try await operationChecks(corpus), measuredAlone: true).markdown()
            try ReportSection.replace(OperationReport.heading, with: section, in: output)
            log("wrote the writing operations into \(output)")
            return
        }
        let defaults = Setting(label: "defaults (after)", arguments: [], passes: passes)
        let settings = defaultsOnly ? [defaults] : [
            Setting(label: "no repetition control (before)",
                    arguments: ["--repeat-penalty", "1", "--dry-multiplier", "0", "--min-p", "0"], passes: 1),
            defaults,
            Setting(label: "repetition penalty 1.1, min-p 0.05, DRY off", arguments: ["--dry-multiplier", "0"], passes: 1),
            Setting(label: "DRY 0.8, min-p 0.05, repetition penalty off", arguments: ["--repeat-penalty", "1"], passes: 1),
            Setting(label: "16-bit keys in the cache pool", arguments: ["--cache-type-k", "f16"], passes: 1),
        ] + (try QuantizedModels.prepare(modelPath: modelPath, server: server)).map { model in
            Setting(label: "weights requantized to \(model.format)", arguments: [], passes: 1, modelPath: model.path)
        }
        var answers: [EvaluatedAnswer] = []
        var serverSettings: [String] = []
        for setting in settings {
            let process = try ServerProcess(
                executable: server, modelPath: setting.modelPath ?? modelPath, port: port, parallel: 4,
                sampling: .raterDefaults, extraArguments: setting.arguments)
            defer { process.stop() }
            serverSettings = process.settings.filter { !setting.arguments.contains($0) }
            let client = WriterAssistantClient(baseURL: process.baseURL)
            try await process.waitUntilReady(client)
            for pass in 1...setting.passes {
                log("\(setting.label): pass \(pass) of \(setting.passes)")
                for story in corpus.stories {
                    // The raters of one story run at once, as the web app's panel asks them.
                    let panel = await withTaskGroup(of: EvaluatedAnswer.self) { group in
                        for rater in corpus.raters {
                            let request = corpus.request(story: story, rater: rater)
                            group.addTask {
                                await EvaluatedAnswer.run(request, setting: setting.label, genre: story.genre, on: client)
                            }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                    answers += panel
                }
            }
        }
        if let record {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(answers).write(to: URL(fileURLWithPath: record))
        }
        let report = QualityReport(
            corpus: corpus, answers: answers, settingLabels: settings.map(\.label), defaultsLabel: defaults.label,
            beforeLabel: defaultsOnly ? nil : settings[0].label, modelPath: modelPath, serverSettings: serverSettings)
        let operations = OperationReport(checks: try await operationChecks(corpus), measuredAlone: false)
        let novels = try await longNovelSection(measuredAlone: false)
        let split = try await budgetSplitSection(measuredAlone: false)
        try (report.markdown() + "\n" + operations.markdown() + "\n" + novels + "\n" + split)
            .write(toFile: output, atomically: true, encoding: .utf8)
        log("wrote \(output)")
    }

    /// Every writing operation once per story, with the defaults, on a fresh server.
    /// The server keeps a library of the corpus's stories, which the archive's questions read.
    private func operationChecks(_ corpus: QualityCorpus) async throws -> [OperationCheck] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eval-library-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = try ServerProcess(
            executable: server, modelPath: modelPath, port: port, parallel: 4, sampling: .raterDefaults,
            extraArguments: ["--library-path", folder.appendingPathComponent("library.sqlite").path])
        defer { process.stop() }
        let client = WriterAssistantClient(baseURL: process.baseURL)
        try await process.waitUntilReady(client)
        var stored: [String: StoredStory] = [:]
        for story in corpus.stories {
            stored[story.genre] = try await client.createStory(StoryDocument(title: "A \(story.genre) story", structuredContext: story.structuredContext))
        }
        var checks: [OperationCheck] = []
        for story in corpus.stories {
            log("writing operations: \(story.genre)")
            checks += await OperationCheck.run(story: story, stored: stored[story.genre], on: client)
        }
        return checks
    }

    /// Novels longer than the window, asked of a continuity rater, each way of fitting them on a
    /// fresh server.
    private func longNovelSection(measuredAlone: Bool) async throws -> String {
        let evaluation = LongNovelEvaluation(server: server, modelPath: modelPath, port: port, log: log)
        let (outcomes, costs, settings) = try await evaluation.run()
        return LongNovelEvaluation.markdown(
            outcomes: outcomes, costs: costs, settings: settings, modelPath: modelPath, measuredAlone: measuredAlone)
    }

    /// The long novels' prompts with the budget divided in several ways, on one library.
    private func budgetSplitSection(measuredAlone: Bool) async throws -> String {
        let evaluation = BudgetSplitEvaluation(server: server, modelPath: modelPath, port: port, log: log)
        return BudgetSplitEvaluation.markdown(outcomes: try await evaluation.run(), modelPath: modelPath, measuredAlone: measuredAlone)
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data("eval: \(message)\n".utf8))
    }
}
