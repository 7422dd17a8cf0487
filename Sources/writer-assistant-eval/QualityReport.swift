import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantLLM

/// QUALITY.md: a row of figures per setting, the targets for the defaults, and three answers of
/// the defaults verbatim (the best, a median and the worst).
struct QualityReport {
    var corpus: QualityCorpus
    var answers: [EvaluatedAnswer]
    var settingLabels: [String]
    var defaultsLabel: String
    var beforeLabel: String?
    var modelPath: String
    var serverSettings: [String]

    /// Figures over the answers of one setting.
    struct Figures {
        var answers: Int
        var results: Int
        var errors: [String: Int]
        var truncated: Int
        var qualities: [AnswerQuality]
        var decodeRates: [Double]
        var seconds: [Double]
        var completionTokens: [Double]

        init(_ answers: [EvaluatedAnswer], names: (EvaluatedAnswer) -> [String]) {
            self.answers = answers.count
            results = answers.count { $0.result != nil }
            errors = answers.compactMap(\.errorCode).reduce(into: [:]) { $0[$1, default: 0] += 1 }
            truncated = answers.count(where: \.truncated)
            qualities = answers.compactMap { $0.quality(names: names($0)) }
            decodeRates = answers.compactMap { $0.result?.contextMetadata.decodeTokensPerSecond }
            seconds = answers.map(\.seconds)
            completionTokens = answers.compactMap { $0.result?.contextMetadata.completionTokens.map(Double.init) }
        }

        func share(_ predicate: (AnswerQuality) -> Bool) -> Double {
            answers == 0 ? 0 : Double(qualities.count(where: predicate)) / Double(answers)
        }

        var looping: Double { share(\.loops) }
        var wellShaped: Double { share { (3...6).contains($0.suggestions) && $0.nearDuplicatePairs == 0 } }
        var grounded: Double { share(\.grounded) }
        var nearDuplicates: Double { share { $0.nearDuplicatePairs > 0 } }
        var meanRepeatedShare: Double { mean(qualities.map(\.repeatedShare)) }
        var longestRun: Int { qualities.map(\.longestRepeatedSentenceRun).max() ?? 0 }
        var meanSuggestions: Double { mean(qualities.map { Double($0.suggestions) }) }
        var meanOpinionWords: Double { mean(qualities.map { Double($0.opinionWords) }) }
        var decodeRate: Double { median(decodeRates) }

        private func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
        func median(_ values: [Double]) -> Double { values.isEmpty ? 0 : Sample(values: values).median }
    }

    private func names(of answer: EvaluatedAnswer) -> [String] {
        corpus.stories.first { $0.genre == answer.genre }?.names ?? []
    }

    private func figures(_ label: String) -> Figures {
        Figures(answers.filter { $0.setting == label }, names: names)
    }

    func markdown() -> String {
        var lines: [String] = []
        let threads = ProcessInfo.processInfo.activeProcessorCount
        let model = URL(fileURLWithPath: modelPath).lastPathComponent
        lines += [
            "# Feedback quality",
            "",
            "What a writer reads, measured by `make eval` (`writer-assistant-eval`): \(corpus.stories.count) story bibles of "
                + "different genres (`eval/corpus.json`), each with named characters and places, asked of "
                + "\(corpus.raters.count) rater personas at once as the web app's panel asks them, through the release server's "
                + "streaming endpoint. Every setting runs on a fresh server in the same run, on the same corpus.",
            "",
            "- Model: `\(model)`; machine: \(threads) cores; \(Date().formatted(.iso8601)).",
            "- Server options common to every row: `\(serverSettings.joined(separator: " "))`, and each row's own.",
            "- Per answer: parsed or not (and the error code); the share of its word 4-grams that occur twice or more "
                + "(above \(AnswerQuality.loopingShare) it *loops*); the longest run of consecutive sentences that repeat an "
                + "earlier one; the number of suggestions; pairs of suggestions sharing at least 70 % of their words "
                + "(*near-duplicates*); whether it names a character or place of its story (*grounded*); opinion length.",
            "",
            "| setting | answers | results | errors | truncated | looping | mean repeated share | longest repeated run "
                + "| 3–6 distinct suggestions | near-duplicates | grounded | mean suggestions | opinion words | completion tokens (median) "
                + "| decode tok/s (median) | seconds (median) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for label in settingLabels {
            let f = figures(label)
            let errors = f.errors.isEmpty ? "0" : f.errors.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append(
                "| \(label) | \(f.answers) | \(f.results) | \(errors) | \(f.truncated) | \(percent(f.looping)) | "
                    + "\(String(format: "%.3f", f.meanRepeatedShare)) | \(f.longestRun) | \(percent(f.wellShaped)) | "
                    + "\(percent(f.nearDuplicates)) | \(percent(f.grounded)) | \(String(format: "%.1f", f.meanSuggestions)) | "
                    + "\(String(format: "%.0f", f.meanOpinionWords)) | \(String(format: "%.0f", f.median(f.completionTokens))) | "
                    + "\(String(format: "%.1f", f.decodeRate)) | \(String(format: "%.1f", f.median(f.seconds))) |")
        }
        lines += targets()
        lines += Self.reading
        lines += examples()
        return lines.joined(separator: "\n") + "\n"
    }

    /// What the figures cannot see, said next to them.
    static let reading = [
        "",
        "## Reading these figures",
        "",
        "The measures catch loops, missing or repeated suggestions and answers that never mention the story. "
            + "They cannot tell a useful suggestion from a vague one: the examples below show what a 135-million-parameter "
            + "model writes even when every measure is met (generic advice, chains of adjectives, a name it made up). "
            + "The before row is the server's sampling before repetition control (no penalties, no DRY, no min-p), with "
            + "today's prompt, grammar and answer guide; the two rows after the defaults each turn one part of the "
            + "repetition control off. The 16-bit keys row stores the cache pool's keys as before the pool was made "
            + "smaller (the defaults use 8-bit keys); the requantized rows serve the default model rewritten in another "
            + "weight format by `writer-assistant quantize` (their reading speed is in BENCHMARKS.md). One pass of the "
            + "corpus is few answers, so differences of a few points between rows are within chance. "
            + "Run `make eval MODEL=path/to/model.gguf` to measure a larger instruction-tuned model on the same corpus.",
    ]

    private func targets() -> [String] {
        let after = figures(defaultsLabel)
        var rows = [
            ("answers with the defaults", "at least 120", "\(after.answers)", after.answers >= 120),
            ("unparseable or truncated-to-error answers", "0", "\(after.answers - after.results)", after.results == after.answers),
            ("answers that loop (repeated share above 0.3)", "at most 5 %", percent(after.looping), after.looping <= 0.05),
            ("answers with 3–6 distinct suggestions", "100 %", percent(after.wellShaped), after.wellShaped >= 1),
            ("answers naming a character or place of the story", "at least 70 %", percent(after.grounded), after.grounded >= 0.7),
        ]
        if let beforeLabel {
            let before = figures(beforeLabel)
            let ratio = before.decodeRate > 0 ? after.decodeRate / before.decodeRate : 0
            rows.append(("decode speed against no repetition control (medians, same run)", "at least 0.95",
                         String(format: "%.2f (%.1f against %.1f tok/s)", ratio, after.decodeRate, before.decodeRate), ratio >= 0.95))
        }
        return ["", "## Targets, with the defaults", "", "| | target | measured | met |", "|---|---|---|---|"]
            + rows.map { "| \($0.0) | \($0.1) | \($0.2) | \($0.3 ? "yes" : "**no**") |" }
    }

    /// The best, a median and the worst answer of the defaults, ranked by how much they repeat,
    /// whether they are grounded and how many distinct suggestions they have.
    private func examples() -> [String] {
        let ranked = answers.filter { $0.setting == defaultsLabel && $0.result != nil }.sorted { score($0) < score($1) }
        guard let best = ranked.first, let worst = ranked.last else { return [] }
        let median = ranked[ranked.count / 2]
        var lines = ["", "## Three answers with the defaults, verbatim", ""]
        for (title, answer) in [("The best", best), ("A median one", median), ("The worst", worst)] {
            lines += ["### \(title): \(answer.rater) on the \(answer.genre) story", ""]
            if let feedback = answer.feedback {
                lines.append("> **Opinion.** \(feedback.opinion)")
                lines.append(">")
                for suggestion in feedback.suggestions { lines.append("> - \(suggestion)") }
            }
            if let quality = answer.quality(names: names(of: answer)) {
                lines += ["", "Repeated share \(String(format: "%.2f", quality.repeatedShare)), "
                    + "\(quality.suggestions) suggestions, grounded: \(quality.grounded ? "yes" : "no").", ""]
            }
        }
        return lines
    }

    private func score(_ answer: EvaluatedAnswer) -> Double {
        guard let quality = answer.quality(names: names(of: answer)) else { return .infinity }
        return quality.repeatedShare + (quality.grounded ? 0 : 0.3) + Double(quality.nearDuplicatePairs) * 0.2
            + ((3...6).contains(quality.suggestions) ? 0 : 0.5) - Double(min(quality.opinionWords, 60)) / 600
    }

    private func percent(_ value: Double) -> String { String(format: "%.0f %%", value * 100) }
}
