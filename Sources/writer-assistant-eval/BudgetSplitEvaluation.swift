import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantLLM

/// QUALITY.md's section on how a long novel's budget is divided: for each share of summaries and
/// of passages, how many planted facts reach a continuity critic's prompt, for plot points that
/// name what they depend on and for plot points that do not, and how many chapters are still read
/// whole. Only prompts are looked at (the preview endpoint); nothing is generated but summaries.
struct BudgetSplitEvaluation {
    static let heading = "## Long novels: dividing the budget"

    struct Split: Hashable {
        var summaryShare: Double
        var passageShare: Double
    }

    /// Summary shares in rising order, so that each server reuses the summaries the one before it
    /// kept in the shared library and writes only those its larger share adds.
    static let splits = [0, 0.1, 0.25, 0.4].flatMap { summaries in
        [0.1, 0.2, 0.3].map { Split(summaryShare: summaries, passageShare: $0) }
    }
    static let defaults = Split(summaryShare: PromptAssembler.defaultSummaryShare, passageShare: PromptAssembler.defaultPassageShare)

    struct Outcome {
        var planting: LongNovelCorpus.Planting
        var split: Split
        /// How many facts the plot point turns on: one, or several named together.
        var factCount: Int
        /// The plot point names its facts' places or objects, not only the people.
        var namesTheFacts: Bool
        /// Each fact's planted paragraph is quoted, or the summary of its chapter keeps it.
        var reached: Bool
        /// Reached, and only because a summary kept a fact that was not quoted.
        var onlyThroughASummary: Bool
        /// Chapters left out whose summary the model could not write (tried again later).
        var failedSummaries: Int
        var wholeChapters: Int
        var summarisedChapters: Int
        var promptTokens: Int
    }

    var server: String
    var modelPath: String
    var port: Int
    var log: (String) -> Void

    func run() async throws -> [Outcome] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("eval-library-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = folder.appendingPathComponent("library.sqlite").path
        var outcomes: [Outcome] = []
        for planting in LongNovelCorpus.Planting.allCases {
            outcomes += try await run(LongNovelCorpus(planting: planting), planted: planting, library: library)
        }
        return outcomes
    }

    /// Every split over one corpus, whose novels are stored in `library` once.
    private func run(_ corpus: LongNovelCorpus, planted planting: LongNovelCorpus.Planting, library: String) async throws -> [Outcome] {
        var stories: [String] = []
        var outcomes: [Outcome] = []
        // The same plot points at every split: each one fact, then those naming several.
        let asked = (corpus.probes + corpus.unnamedProbes).map { (novel: $0.novel, plotPoint: $0.plotPoint, facts: [$0]) }
            + corpus.combinedProbes.map { (novel: $0.novel, plotPoint: $0.plotPoint, facts: $0.facts) }
        for split in Self.splits {
            let process = try ServerProcess(
                executable: server, modelPath: modelPath, port: port, parallel: 4, sampling: .raterDefaults,
                extraArguments: [
                    "--library-path", library, "--summary-share", String(split.summaryShare),
                    "--passage-share", String(split.passageShare),
                ])
            defer { process.stop() }
            let client = WriterAssistantClient(baseURL: process.baseURL, timeout: .seconds(120))
            try await process.waitUntilReady(client)
            if stories.isEmpty {
                for novel in corpus.novels {
                    stories.append(try await client.createStory(StoryDocument(title: novel.title, structuredContext: novel.context)).id)
                }
            }
            log("dividing the budget, facts \(Self.label(planting)): summaries \(split.summaryShare), passages \(split.passageShare)")
            for probe in asked {
                // The first preview of a novel asks for the summaries its prompt lacks; each waits
                // for them, so that no prompt is measured with summaries still being written.
                let (preview, _) = try await SummaryWait.untilWritten(
                    Self.request(probe.plotPoint), reading: StoryReference(storyId: stories[probe.novel]), on: client,
                    within: .seconds(1_800), titled: corpus.novels[probe.novel].title)
                let outcome = Self.outcome(of: probe.facts, in: preview, planted: planting, split: split)
                if outcome.onlyThroughASummary {
                    // Printed so that a reader can judge by eye whether the summary keeps the fact.
                    let chapters = Set(probe.facts.map(\.chapter))
                    let summaries = preview.sections.filter { $0.treatment == .summary && chapters.contains($0.chapter ?? 0) }
                    log("reached only through a summary: \(probe.plotPoint) | \(summaries.compactMap(\.text).joined(separator: " | "))")
                }
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    static func request(_ plotPoint: String) -> RaterFeedbackRequest {
        RaterFeedbackRequest(raterPrompt: LongNovelCorpus.continuityRater, plotPoint: plotPoint, structuredContext: nil)
    }

    /// Whether every fact a plot point turns on reached its prompt, and whether a summary was
    /// needed for any of them.
    static func outcome(
        of facts: [LongNovelCorpus.Probe], in preview: PromptPreview, planted planting: LongNovelCorpus.Planting, split: Split
    ) -> Outcome {
        let reach = FactReach(facts, in: preview)
        return Outcome(
            planting: planting, split: split, factCount: facts.count, namesTheFacts: facts.allSatisfy(\.namesTheFact),
            reached: reach.reached, onlyThroughASummary: reach.onlyThroughASummary,
            failedSummaries: preview.summariesFailed?.count ?? 0,
            wholeChapters: preview.sections.count { $0.kind == .chapter && $0.treatment == .whole },
            summarisedChapters: preview.sections.count { $0.treatment == .summary }, promptTokens: preview.promptTokens)
    }

    static func markdown(outcomes: [Outcome], modelPath: String, measuredAlone: Bool) -> String {
        let corpus = LongNovelCorpus()
        var lines = [
            heading,
            "",
            "The novels of the section \"\(LongNovelEvaluation.heading.dropFirst(3))\", with the summary share "
                + "(`--summary-share`) and the passage share (`--passage-share`) of the budget varied, each pair on a fresh "
                + "server over one library, so that each chapter's summary is written once (`writer-assistant-eval "
                + "--budget-split`; only prompts are looked at, through the preview endpoint). Its \(corpus.probes.count) plot "
                + "points name the fact they turn on; \(corpus.unnamedProbes.count) more turn on the same facts naming only the "
                + "people (\"\(corpus.unnamedProbes.first?.plotPoint ?? "")\"), which a search of the chapters left out finds "
                + "at best by a name, among every paragraph with that name; and \(corpus.combinedProbes.count) name two or "
                + "all four of a novel's facts at once (\"\(corpus.combinedProbes.last?.plotPoint ?? "")\"), which need room "
                + "for several passages. A fact *reaches the prompt* when its paragraph is quoted, or the summary of its "
                + "chapter is read and keeps it (has one of its words, as a word or with an ending: \(LongNovelCorpus.traceList)); a plot "
                + "point with several facts, when all of them do. The novels are measured twice: with each fact a paragraph "
                + "of its own among paragraphs of four sentences, as in the section before, and with each fact one sentence "
                + "among eight in a paragraph of about 140 tokens, as a novel's paragraphs run, where quoting it costs the "
                + "whole paragraph's room.",
            "",
            "Model `\((modelPath as NSString).lastPathComponent)`, \(Machine.description), \(Date().formatted(.iso8601))"
                + (measuredAlone ? ", measured on its own." : "."),
        ]
        for planting in LongNovelCorpus.Planting.allCases {
            let planted = outcomes.filter { $0.planting == planting }
            guard !planted.isEmpty else { continue }
            lines += ["", "### Facts \(label(planting))", ""] + table(planted)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func label(_ planting: LongNovelCorpus.Planting) -> String {
        switch planting {
        case .ownParagraph: "as paragraphs of their own"
        case .insideParagraph: "inside paragraphs of eight sentences"
        }
    }

    private static func table(_ outcomes: [Outcome]) -> [String] {
        var lines = [
            "| summary share | passage share | plot point names its fact: reached | names only the people: reached "
                + "| names only the people: reached only through a summary | names two or four facts: all reached "
                + "| chapters read whole (median) | chapters summarised (median) | summaries failed (most in one prompt) "
                + "| prompt tokens (median) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for split in splits {
            let mine = outcomes.filter { $0.split == split }
            guard !mine.isEmpty else { continue }
            let named = mine.filter { $0.namesTheFacts && $0.factCount == 1 }
            let unnamed = mine.filter { !$0.namesTheFacts }
            let combined = mine.filter { $0.factCount > 1 }
            let marker = split == defaults ? " (defaults)" : ""
            lines.append(
                "| \(format(split.summaryShare))\(marker) | \(format(split.passageShare)) "
                    + "| \(ReportFigures.share(named.count(where: \.reached), of: named.count)) "
                    + "| \(ReportFigures.share(unnamed.count(where: \.reached), of: unnamed.count)) "
                    + "| \(ReportFigures.share(unnamed.count(where: \.onlyThroughASummary), of: unnamed.count)) "
                    + "| \(ReportFigures.share(combined.count(where: \.reached), of: combined.count)) "
                    + "| \(ReportFigures.median(mine.map(\.wholeChapters))) | \(ReportFigures.median(mine.map(\.summarisedChapters))) "
                    + "| \(mine.map(\.failedSummaries).max() ?? 0) | \(ReportFigures.median(mine.map(\.promptTokens))) |")
        }
        return lines
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
