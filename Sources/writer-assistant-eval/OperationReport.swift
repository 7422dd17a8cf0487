import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantCore

/// QUALITY.md's section on the writing operations: per operation, how many answers met each of
/// its checks, and the answer to the first story verbatim.
struct OperationReport {
    static let heading = "## The writing operations"
    var checks: [OperationCheck]
    var measuredAlone: Bool

    func markdown() -> String {
        // In the order the server lists them, whichever finished first; then the variants measured
        // beside them (revise until done against one checked revision).
        let listed = WritingOperations.all.map { $0.operationName }
        let variants = [OperationCheck.checkedOnce, OperationCheck.untilDone, ChatCheck.operation]
        let operations = (listed + variants).filter { name in checks.contains { $0.operation == name } }
        let stories = Set(checks.map(\.genre)).count
        var lines = [
            Self.heading,
            "",
            "Each writing operation once per story of the corpus (\(stories) stories), with the defaults, the operations of "
                + "a story at once, through the streaming endpoints: character feedback for the story's first character, "
                + "an editor's review, a revision (\"Make it night, with rain.\") of its last chapter, a flesh-out of that "
                + "chapter's first two sentences, a chapter of \(OperationCheck.chapterWords) words from its plot point, a "
                + "new character from a one-line bio, a bio of at most \(OperationCheck.bioWords) words of its first character, "
                + "a chapter plan from its plot outline (one sentence of beats: a chapter for every two), and a question of the "
                + "archive (\"What happens to <its first character>?\") with every story of the corpus in the server's library. "
                + "The same last chapter "
                + "is also revised for two changes (\"Make it rain.\", \"Add a dog named Bran.\") twice: one revision checked "
                + "against each change (`maxRounds` 1), and revise until done (`maxRounds` \(OperationCheck.reviseRounds)); "
                + "\"confirmed\" is the server's own check, \"in the text\" a count of the words. Before the other operations of "
                + "a story, a chat of two turns with its first character on the stored story (\"\(ChatCheck.questions[0])\", then "
                + "\"\(ChatCheck.questions[1])\"): the first turn reads the story, the "
                + "second should find it in the cache. Each operation has checks of its own; a check that cannot tell good "
                + "writing from bad is not one of them, so read the examples."
                + (measuredAlone ? " Measured on their own (`writer-assistant-eval --operations-only`), "
                    + Date().formatted(.iso8601) + "; the sections above come from the last full run." : ""),
            "",
            "| operation | answers | results | errors | truncated | checks met | seconds (median) |",
            "|---|---|---|---|---|---|---|",
        ]
        for operation in operations {
            let answers = checks.filter { $0.operation == operation }
            let results = answers.filter { $0.errorCode == nil }
            let errors = answers.compactMap(\.errorCode).reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
            let names = results.first?.checks.map(\.name) ?? []
            let met = names.map { name in
                let count = results.count { $0.checks.contains { $0.name == name && $0.met } }
                return "\(name): \(percent(count, of: answers.count))"
            }
            lines.append(
                "| `\(operation)` | \(answers.count) | \(results.count) | "
                    + (errors.isEmpty ? "0" : errors.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
                    + " | \(results.count { $0.truncated }) | \(met.joined(separator: "; ")) | "
                    + String(format: "%.1f", Sample(values: answers.map(\.seconds)).median) + " |")
        }
        let waits = checks.compactMap(\.firstTokenSeconds).filter { $0.count == 2 }
        if !waits.isEmpty {
            lines += ["", String(
                format: "Chat, time to the first token (median of %d conversations): first turn %.2f s, second turn %.2f s.",
                waits.count, Sample(values: waits.map { $0[0] }).median, Sample(values: waits.map { $0[1] }).median)]
        }
        lines += ["", "### One answer of each, on the \(checks.first?.genre ?? "first") story", ""]
        for operation in operations {
            guard let example = checks.first(where: { $0.operation == operation && $0.genre == checks.first?.genre }) else { continue }
            lines += ["**`\(operation)`**" + (example.errorCode.map { " failed: \($0)" } ?? ""), ""]
            if example.errorCode == nil {
                lines += example.text.components(separatedBy: "\n").map { "> " + $0 } + [""]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func percent(_ count: Int, of total: Int) -> String {
        total == 0 ? "–" : String(format: "%.0f %%", Double(count) / Double(total) * 100)
    }
}
