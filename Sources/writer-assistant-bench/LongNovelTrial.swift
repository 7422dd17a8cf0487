import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// Section 12: what a novel longer than the window costs. Summarising its chapters once, then a
/// panel's time to the first token on it against a story that fits, and what the story cache
/// keeps when the panel is asked again, the plot point is edited or a chapter is added.
struct LongNovelTrial {
    let executable: String
    let modelPath: String
    let port: Int
    let sampling: SamplingParameters
    var runs = 3
    var chapters = 40

    static let raters = [
        "You check continuity: does the plot point agree with what the earlier chapters established?",
        "You judge pacing: does the plot point come at the right moment?",
        "You judge character: does everyone act as they have so far?",
        "You judge stakes: what could go wrong, and does the reader care?",
    ]

    struct Panel {
        var firstTokens: [Double]
        var promptTokens: [Int]
        var cachedTokens: [Int]
    }

    struct Figures {
        var chapters: Int
        var novelTokens: Int
        var budget: Int
        var summarised: Int
        var failed: Int
        var summarySeconds: Double
        var long: [Panel]
        var fits: [Panel]
        var fitsTokens: Int
        /// The first rater's cached share when the panel is asked again, the plot point edited,
        /// a chapter added.
        var again: (prompt: Int, cached: Int)
        var edited: (prompt: Int, cached: Int)
        var added: (prompt: Int, cached: Int)
        var runs: Int

        func markdown() -> String {
            func median(_ panels: [Panel]) -> String {
                panels.isEmpty ? "–" : Sample(values: panels.map { Sample(values: $0.firstTokens).median }).formatted("%.2f") + " s"
            }
            func slowest(_ panels: [Panel]) -> String {
                panels.isEmpty ? "–" : Sample(values: panels.map { $0.firstTokens.max() ?? 0 }).formatted("%.2f") + " s"
            }
            func prompt(_ panels: [Panel]) -> String {
                let tokens = panels.flatMap(\.promptTokens).map(Double.init)
                return tokens.isEmpty ? "–" : String(Int(Sample(values: tokens).median))
            }
            func cached(_ pair: (prompt: Int, cached: Int)) -> String {
                "\(pair.cached.formatted()) of \(pair.prompt.formatted()) (\(pair.prompt == 0 ? 0 : Int((Double(pair.cached) / Double(pair.prompt) * 100).rounded())) %)"
            }
            return """
                ## 12. Long novels

                Measured with `.build/release/writer-assistant-bench --long-novel-only` against the release server with its
                defaults (`--summary-share` 0.25, `--passage-share` 0.2): a generated novel of \(chapters) chapters
                (`LongNovelCorpus`, about \(novelTokens.formatted()) tokens against the prompt's budget of \(budget.formatted())), and a story that
                fits (its first five chapters, about \(fitsTokens.formatted()) tokens). A panel is four raters asked at once
                through the streaming endpoint, greedy, each panel with a new plot point; \(runs) panels of each story,
                alternating, on one server.

                **Summarising the novel once:** \(summarised) chapters left out were summarised (\(failed) failed) in
                **\(String(format: "%.0f", summarySeconds)) s**, one at a time, by the model the writers use, with nothing else
                running.

                | story | prompt tokens (median) | first token, panel median (median of panels) | first token, slowest rater |
                |---|---|---|---|
                | the novel, summaries made | \(prompt(long)) | \(median(long)) | \(slowest(long)) |
                | a story that fits | \(prompt(fits)) | \(median(fits)) | \(slowest(fits)) |

                What the story cache keeps of the novel's prompt (one rater, right after a panel on the novel; tokens
                read from the cache): asking the panel again, \(cached(again)); the plot point edited,
                \(cached(edited)); a chapter added, \(cached(added)). Each panel above follows a panel on the other
                story, which took the engine's slots, so each reads its prompt afresh (the disk cache is off). A chapter added pushes the oldest chapter read whole out of the window: its summary is
                written in the background, and the prompt is read again from the first summary on.
                """
        }
    }

    func measure(seed: inout Int) async throws -> Figures {
        let (process, client) = try await ServerProcess.started(
            executable: executable, modelPath: modelPath, port: port, parallel: 4, sampling: sampling)
        defer { process.stop() }
        var context = LongNovelCorpus(novels: 1, chapters: chapters).novels[0].context
        let counted = try await client.countTokens((context.previousChapters ?? []).map(\.content))
        var fitting = context
        fitting.previousChapters = Array((context.previousChapters ?? []).prefix(5))

        // Summaries made once, timed from the first request that asks for them.
        let (preview, summarySeconds) = try await SummaryWait.untilWritten(
            request(context, rater: Self.raters[0], plotPoint: "Mara returns to the mill."), on: client,
            within: .seconds(3_600), titled: "the novel")

        var long: [Panel] = []
        var fits: [Panel] = []
        for _ in 0..<runs {
            seed += 1
            long.append(try await panel(context, plotPoint: "On day \(seed) Mara finds the mill door open.", on: client))
            fits.append(try await panel(fitting, plotPoint: "On day \(seed) Mara finds the mill door open.", on: client))
        }

        // The story cache across the novel's sessions, one rater at a time, after a panel on the
        // novel (the other story's panel took the slots: with the disk cache off, as in every
        // section, what it evicted would be read again).
        let plotPoint = "On day \(seed) Mara finds the mill door open."
        _ = try await panel(context, plotPoint: plotPoint, on: client)
        let again = try await TimedRun.run(request(context, rater: Self.raters[0], plotPoint: plotPoint), on: client)
        let edited = try await TimedRun.run(request(context, rater: Self.raters[0], plotPoint: plotPoint + " It is raining."), on: client)
        context.previousChapters?.append(Chapter(
            number: chapters + 1, title: "The Sale",
            content: (0..<12).map { "Mara signed the papers at dusk, line \($0), and the miller watched the river." }.joined(separator: " ")))
        let added = try await TimedRun.run(request(context, rater: Self.raters[0], plotPoint: plotPoint), on: client)

        return Figures(
            chapters: chapters, novelTokens: counted.counts.reduce(0, +), budget: preview.budget,
            summarised: preview.sections.count { $0.treatment == .summary }, failed: preview.summariesFailed?.count ?? 0,
            summarySeconds: summarySeconds, long: long, fits: fits,
            fitsTokens: counted.counts.prefix(5).reduce(0, +),
            again: (again.promptTokens, again.cachedTokens), edited: (edited.promptTokens, edited.cachedTokens),
            added: (added.promptTokens, added.cachedTokens), runs: runs)
    }

    private func request(_ context: StructuredContext, rater: String, plotPoint: String) -> RaterFeedbackRequest {
        RaterFeedbackRequest(raterPrompt: rater, plotPoint: plotPoint, raterName: "Critic", structuredContext: context)
    }

    private func panel(_ context: StructuredContext, plotPoint: String, on client: WriterAssistantClient) async throws -> Panel {
        let runs = try await withThrowingTaskGroup(of: TimedRun.self) { group in
            for rater in Self.raters {
                let request = request(context, rater: rater, plotPoint: plotPoint)
                group.addTask { try await TimedRun.run(request, on: client) }
            }
            return try await group.reduce(into: [TimedRun]()) { $0.append($1) }
        }
        return Panel(
            firstTokens: runs.map(\.firstToken.inSeconds), promptTokens: runs.map(\.promptTokens),
            cachedTokens: runs.map(\.cachedTokens))
    }
}
