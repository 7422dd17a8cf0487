import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantLLM

/// QUALITY.md's section on novels longer than the model's window: for each plot point that turns
/// on a fact planted in an early chapter, whether the continuity critic's prompt holds the fact
/// and whether its answer names it, with the newest chapters only, with passages, and with
/// summaries and passages (the defaults).
struct LongNovelEvaluation {
    static let heading = "## Long novels: what a continuity critic reads"

    /// One way of fitting a novel to the window, as a server is started for it.
    struct Arm {
        var label: String
        var arguments: [String]
        var summarises: Bool
    }

    static let arms = [
        Arm(label: "the newest chapters that fit", arguments: ["--passage-share", "0", "--summary-share", "0"], summarises: false),
        Arm(label: "the newest chapters, plus passages of those left out", arguments: ["--summary-share", "0"], summarises: false),
        Arm(label: "the newest chapters, plus summaries and passages of those left out (the defaults)", arguments: [], summarises: true),
    ]

    struct Outcome {
        var arm: String
        /// The planted paragraph is in the prompt, verbatim.
        var passageRead: Bool
        /// The fact reaches the prompt in some form: the paragraph, or a summary that keeps it.
        var factRead: Bool
        var answerNamesFact: Bool
        var failed: Bool
        var promptTokens: Int?
        var seconds: Double
    }

    /// A novel's summaries made once: how many chapters, how long, how many failed.
    struct SummaryCost {
        var novel: String
        var chapters: Int
        var failed: Int
        var seconds: Double
    }

    var server: String
    var modelPath: String
    var port: Int
    var log: (String) -> Void

    func run() async throws -> (outcomes: [Outcome], costs: [SummaryCost], settings: [String]) {
        let corpus = LongNovelCorpus()
        var outcomes: [Outcome] = []
        var costs: [SummaryCost] = []
        var settings: [String] = []
        for arm in Self.arms {
            let process = try ServerProcess(
                executable: server, modelPath: modelPath, port: port, parallel: 4, sampling: .raterDefaults,
                extraArguments: arm.arguments)
            defer { process.stop() }
            settings = process.settings.filter { !arm.arguments.contains($0) }
            let client = WriterAssistantClient(baseURL: process.baseURL)
            try await process.waitUntilReady(client)
            if arm.summarises {
                for (index, novel) in corpus.novels.enumerated() {
                    log("long novels: summarising \(novel.title)")
                    costs.append(try await summarise(corpus, novel: index, on: client))
                }
            }
            for probe in corpus.probes {
                log("long novels: \(arm.label): \(probe.plotPoint)")
                outcomes.append(await ask(probe, of: corpus, arm: arm, on: client))
            }
        }
        return (outcomes, costs, settings)
    }

    static func request(_ probe: LongNovelCorpus.Probe, of corpus: LongNovelCorpus) -> RaterFeedbackRequest {
        RaterFeedbackRequest(raterPrompt: LongNovelCorpus.continuityRater, plotPoint: probe.plotPoint, structuredContext: corpus.novels[probe.novel].context)
    }

    /// Asks for the summaries of a novel's chapters left out (by previewing a prompt of it) and
    /// waits until every one is written or has failed.
    private func summarise(_ corpus: LongNovelCorpus, novel: Int, on client: WriterAssistantClient) async throws -> SummaryCost {
        guard let probe = corpus.probes.first(where: { $0.novel == novel }) else {
            throw MeasurementFailure(description: "a novel without a probe")
        }
        let (preview, seconds) = try await SummaryWait.untilWritten(
            Self.request(probe, of: corpus), on: client, within: .seconds(1_800), titled: corpus.novels[novel].title)
        let summarised = preview.sections.filter { $0.treatment == .summary }.count
        let failed = preview.summariesFailed?.count ?? 0
        return SummaryCost(novel: corpus.novels[novel].title, chapters: summarised + failed, failed: failed, seconds: seconds)
    }

    private func ask(_ probe: LongNovelCorpus.Probe, of corpus: LongNovelCorpus, arm: Arm, on client: WriterAssistantClient) async -> Outcome {
        let request = Self.request(probe, of: corpus)
        var outcome = Outcome(
            arm: arm.label, passageRead: false, factRead: false, answerNamesFact: false, failed: false, promptTokens: nil, seconds: 0)
        if let preview = try? await client.preview(request) {
            let reach = FactReach([probe], in: preview)
            outcome.passageRead = reach.quoted.allSatisfy { $0 }
            outcome.factRead = reach.reached
        }
        let started = ContinuousClock.now
        do {
            let result = try await client.raterFeedback(request)
            let answer = ([result.feedback.opinion] + result.feedback.suggestions).joined(separator: "\n").lowercased()
            outcome.answerNamesFact = probe.isNamed(in: answer)
            outcome.promptTokens = result.contextMetadata.promptTokens
        } catch {
            outcome.failed = true
        }
        outcome.seconds = (ContinuousClock.now - started).inSeconds
        return outcome
    }

    static func markdown(
        outcomes: [Outcome], costs: [SummaryCost], settings: [String], modelPath: String, measuredAlone: Bool
    ) -> String {
        let corpus = LongNovelCorpus()
        var lines = [
            heading,
            "",
            "Three generated novels of 32 chapters (about 14,000 tokens each against the default model's window of 4,096) "
                + "each plant four facts in chapters 2 to 8: a drowning at a weir, a deed hidden in a lantern, a fear of bees, "
                + "a ferryman's oath. \(corpus.probes.count) plot points, long after, turn on them, each asked once of a "
                + "continuity rater through the release server, with each way of fitting the novel to the window on a fresh "
                + "server (`LongNovelCorpus` in `Sources/MeasurementSupport`; "
                + "`writer-assistant-eval --long-novels`). A fact *reaches the prompt* when its paragraph is quoted or the "
                + "summary read in its chapter's place keeps it (has one of its words, as a word or with an ending: "
                + "\(LongNovelCorpus.traceList)); an answer *names the fact* when its opinion or a suggestion names the word of "
                + "the fact its plot point does not (\(LongNovelCorpus.keywordList)).",
            "",
            "Model `\((modelPath as NSString).lastPathComponent)`, server settings `\(settings.joined(separator: " "))`, "
                + "\(Machine.description), \(Date().formatted(.iso8601))"
                + (measuredAlone ? ", measured on its own." : "."),
            "",
            "| prompt | planted paragraph quoted | fact reaches the prompt | answers naming the fact | errors | prompt tokens (median) | seconds per answer (median) |",
            "|---|---|---|---|---|---|---|",
        ]
        for arm in arms {
            let mine = outcomes.filter { $0.arm == arm.label }
            let tokens = mine.compactMap(\.promptTokens)
            lines.append(
                "| \(arm.label) | \(ReportFigures.share(mine.count(where: \.passageRead), of: mine.count)) "
                    + "| \(ReportFigures.share(mine.count(where: \.factRead), of: mine.count)) "
                    + "| \(ReportFigures.share(mine.count(where: \.answerNamesFact), of: mine.count)) | \(mine.count(where: \.failed)) "
                    + "| \(ReportFigures.median(tokens)) "
                    + "| \(mine.isEmpty ? "–" : String(format: "%.1f", Sample(values: mine.map(\.seconds)).median)) |")
        }
        if !costs.isEmpty {
            lines += [
                "",
                "The summaries were written once per novel before the requests, by the model on the same server, one chapter at a "
                    + "time (`--summary-share` 0.25, summaries of at most \(ChapterSummarizer.defaultWords) words):",
                "",
                "| novel | chapters summarised | failed | seconds to summarise them all |",
                "|---|---|---|---|",
            ]
            for cost in costs {
                lines.append("| \(cost.novel) | \(cost.chapters) | \(cost.failed) | \(String(format: "%.0f", cost.seconds)) |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

}
