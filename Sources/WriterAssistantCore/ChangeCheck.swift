import WriterAssistantAPI
import WriterAssistantLLM

/// The check of a revision against each change the writer asked for. For each change the model
/// quotes the evidence, a sentence the revision added or one it removed, or "none", then says
/// whether the change was made.
///
/// Only sentences the original chapter lacks, or that the revision cut, may be quoted, so text the
/// writer had already written and kept confirms nothing, and a "yes" without evidence is not a
/// confirmation. A revision that added and removed nothing is not checked at all.
struct ChangeCheck: Sendable {
    let changes: [String]
    /// Sentences of the revision that the original lacks (their first 160 characters), word for
    /// word as the revision has them.
    let newPassages: [String]
    /// Sentences of the original that the revision lacks: the evidence of a cut.
    let removedPassages: [String]

    /// What the check is called in messages to the writer.
    static let answerName = "check of the revision"
    /// What the model writes instead of a passage when none shows the change.
    static let noPassage = "none"
    /// Longer sentences are quoted by their start: enough to find them.
    static let longestPassage = 160
    /// The most passages of each kind offered: a grammar holds a few hundred comfortably.
    static let mostPassages = 120

    init(changes: [String], original: String, revised: String) {
        self.changes = changes
        let before = Self.sentences(of: original)
        let after = Self.sentences(of: revised)
        newPassages = Self.passages(after, missingFrom: before)
        removedPassages = Self.passages(before, missingFrom: after)
    }

    /// A text's sentences, with the key they are compared by (their words, spacing aside) and,
    /// when they can be quoted, their passage: trimmed, cut to `longestPassage` characters at a
    /// word. A sentence holding a control character cannot be quoted through a grammar, and one of
    /// a single word ("Mr") is no evidence; both still count when the texts are compared.
    static func sentences(of text: String) -> [(passage: String?, key: String)] {
        text.split(whereSeparator: { $0.isNewline || ".!?".contains($0) }).compactMap { sentence -> (passage: String?, key: String)? in
            var passage = String(sentence).trimmed
            if passage.count > longestPassage {
                let cut = passage.prefix(longestPassage)
                passage = String(cut.lastIndex(where: \.isWhitespace).map { cut[..<$0] } ?? cut).trimmed
            }
            let words = passage.split { $0.isWhitespace || $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }
            guard words.contains(where: { $0.contains { $0.isLetter || $0.isNumber } }) else { return nil }
            let quotable = words.count >= 2 && !passage.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            return (quotable ? passage : nil, words.joined(separator: " "))
        }
    }

    /// The quotable passages of `sentences` whose words `other` lacks, each once, spread over the
    /// text when there are more than a grammar is given.
    private static func passages(_ sentences: [(passage: String?, key: String)], missingFrom other: [(passage: String?, key: String)]) -> [String] {
        let known = Set(other.map(\.key))
        var seen: Set<String> = []
        let fresh = sentences.compactMap { sentence in
            sentence.passage.flatMap { !known.contains(sentence.key) && seen.insert($0).inserted ? $0 : nil }
        }
        guard fresh.count > mostPassages else { return fresh }
        let step = Double(fresh.count) / Double(mostPassages)
        return (0..<mostPassages).map { fresh[Int(Double($0) * step)] }
    }

    /// The check's prompt, or nil when the revision added and removed nothing: no change shows.
    func task(revised: String) -> PromptTask? {
        guard !newPassages.isEmpty || !removedPassages.isEmpty else { return nil }
        let listed = changes.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: "\n")
        let removed = removedPassages.isEmpty ? [] : ["# Sentences the revision removed\n" + removedPassages.joined(separator: "\n")]
        return PromptTask(
            sections: ["# Revised chapter\n\(revised.trimmed)"] + removed + ["# Changes the writer asked for\n\(listed)"],
            instructions: "Check whether the revised chapter above makes each change the writer asked for. Answer with a "
                + "JSON object whose \"changes\" list has one entry for each change, in order, each with \"passage\" (the "
                + "sentence that shows the change, quoted exactly: one the chapter now has"
                + (removedPassages.isEmpty ? "" : ", or one it removed") + "; or \"\(Self.noPassage)\") and \"made\" "
                + "(\"yes\" if the chapter makes the change, \"no\" if it does not).")
    }

    var shape: JSONShape {
        .object([
            ("changes", .list(.object([
                ("passage", .choice(newPassages + removedPassages + [Self.noPassage])),
                ("made", .choice(["yes", "no"])),
            ]), count: changes.count...changes.count))
        ])
    }

    /// A verdict is a judgement, not writing: greedy, with room for the longest passage for each
    /// change, counted generously (a passage in another script takes more tokens than bytes/4).
    var plan: AnswerPlan {
        let longest = (newPassages + removedPassages).map(\.utf8.count).max() ?? 0
        let sampling = SamplingParameters(
            temperature: 0, topK: 1, topP: 1, minP: 0, maxTokens: 32 + changes.count * (longest / 2 + 24))
        return AnswerPlan(sampling: sampling, constraint: shape.constraint)
    }

    /// Every change unconfirmed: the check of a revision that changed nothing, or that failed.
    var nothingMade: [CheckedChange] {
        changes.map { CheckedChange(change: $0, confirmed: false) }
    }

    /// The verdicts of the model's answer. A change is confirmed when the model says it is made
    /// and quotes its evidence: a sentence the revision added (kept as `passage`) or one it cut.
    func verdicts(from answer: FinishedAnswer) -> [CheckedChange] {
        let entries = JSONAnswer(answer.text)?.objects("changes") ?? []
        return changes.enumerated().map { index, change in
            guard index < entries.count, (entries[index]["made"] as? String) == "yes",
                let quoted = entries[index]["passage"] as? String
            else { return CheckedChange(change: change, confirmed: false) }
            if newPassages.contains(quoted) { return CheckedChange(change: change, confirmed: true, passage: quoted) }
            return CheckedChange(change: change, confirmed: removedPassages.contains(quoted), removed: removedPassages.contains(quoted) ? quoted : nil)
        }
    }
}
