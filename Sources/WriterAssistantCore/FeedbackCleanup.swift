package import WriterAssistantAPI

/// Takes out of an answer what a writer should not have to read: a suggestion that says again
/// what an earlier one said, one made of the prompt's own instructions or headings, and one too
/// short to be an action (a stray word or identifier). Nothing is rewritten; a suggestion is kept
/// or left out whole.
package struct FeedbackCleanup: Sendable {
    /// Two texts sharing this share of the shorter one's words say the same thing.
    package static let sameThingThreshold = 0.7
    /// Fewer words than this are not an action a writer can take.
    package static let shortestSuggestion = 3

    private let promptTexts: [Set<String>]

    /// `promptTexts` are what the model was told (its instructions, the rater prompt), which an
    /// answer should act on rather than echo.
    package init(promptTexts: [String]) {
        self.promptTexts = promptTexts.flatMap(Self.sentences).map(Self.words).filter { $0.count >= 3 }
    }

    package func clean(_ feedback: RaterFeedback) -> RaterFeedback {
        let kept = keep(feedback.suggestions)
        // An answer made only of echoes is still the model's answer; say so rather than hide it.
        return RaterFeedback(opinion: feedback.opinion, suggestions: kept.isEmpty ? feedback.suggestions : kept)
    }

    /// The entries of a list worth reading, in their order: no repeats, no echoes of the prompt,
    /// nothing too short to act on.
    package func keep(_ entries: [String]) -> [String] {
        var kept: [String] = []
        var keptWords: [Set<String>] = []
        for suggestion in entries {
            let words = Self.words(suggestion)
            guard !suggestion.hasPrefix("#"), Self.wordCount(suggestion) >= Self.shortestSuggestion else { continue }
            if keptWords.contains(where: { Self.overlap(words, $0) >= Self.sameThingThreshold }) { continue }
            // An echo is a suggestion made of a prompt sentence's words, not one that shares a few.
            if promptTexts.contains(where: { Self.share(of: words, in: $0) >= Self.sameThingThreshold }) { continue }
            kept.append(suggestion)
            keptWords.append(words)
        }
        return kept
    }

    /// The share of the smaller set's words that the other set also has.
    package static func overlap(_ a: Set<String>, _ b: Set<String>) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        return Double(a.intersection(b).count) / Double(min(a.count, b.count))
    }

    /// The share of `words` that `other` also has.
    package static func share(of words: Set<String>, in other: Set<String>) -> Double {
        words.isEmpty ? 0 : Double(words.intersection(other).count) / Double(words.count)
    }

    /// Words separated by spaces: an identifier like `suggestions_12` is one.
    private static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count { $0.contains(where: \.isLetter) }
    }

    /// Lower-cased words of letters and digits.
    package static func words(_ text: String) -> Set<String> {
        Set(text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init))
    }

    private static func sentences(_ text: String) -> [String] {
        text.split { ".!?\n".contains($0) }.map(String.init)
    }
}
