public import WriterAssistantAPI

/// The names a critique of this story should use: its characters', and the capitalized names of
/// places and things its worldbuilding and summary mention.
public enum StoryNames {
    /// More names than this crowd the instructions; characters come first.
    public static let limit = 8

    /// Prose read for names: they are introduced early, and a hostile multi-megabyte story must
    /// not cost more than a glance.
    static let proseScanned = 4_000

    public static func of(_ context: StructuredContext?) -> [String] {
        var names: [String] = []
        var seen: Set<String> = []
        func add(_ name: String) {
            let name = name.trimmed
            guard names.count < limit, !name.isEmpty, name.count <= 40, seen.insert(name.lowercased()).inserted else { return }
            names.append(name)
        }
        for character in (context?.characters ?? []).prefix(limit) { add(character.name) }
        for prose in [context?.worldbuilding?.content, context?.storySummary?.summary].compactMap({ $0 }) where names.count < limit {
            properNames(in: String(prose.prefix(proseScanned))).forEach(add)
        }
        return names
    }

    /// Runs of capitalized words that do not start a sentence ("the Glass City", "Lake Orrin"),
    /// without the leading article. A capitalized word at a sentence start is a name only when
    /// the same word also appears capitalized mid-sentence.
    static func properNames(in text: String) -> [String] {
        var names: [String] = []
        var midSentenceWords: Set<Substring> = []
        var runs: [(words: [Substring], startsSentence: Bool)] = []
        var run: [Substring] = []
        var runStartsSentence = false
        var atSentenceStart = true
        for rawWord in text.split(whereSeparator: \.isWhitespace) {
            let word = rawWord.drop { !$0.isLetter }.prefix { $0.isLetter || $0 == "'" || $0 == "-" }
            if let first = word.first, first.isUppercase, word.count > 1, !articles.contains(word) || !run.isEmpty {
                if run.isEmpty { runStartsSentence = atSentenceStart }
                run.append(word)
                if !atSentenceStart { midSentenceWords.insert(word) }
            } else if !run.isEmpty {
                runs.append((run, runStartsSentence))
                run = []
            }
            atSentenceStart = rawWord.last.map { ".!?:".contains($0) } ?? false
            if atSentenceStart, !run.isEmpty {
                runs.append((run, runStartsSentence))
                run = []
            }
        }
        if !run.isEmpty { runs.append((run, runStartsSentence)) }
        for (words, startsSentence) in runs {
            var words = words
            if startsSentence, let first = words.first, !midSentenceWords.contains(first) {
                words.removeFirst()
            }
            guard !words.isEmpty else { continue }
            names.append(words.joined(separator: " "))
        }
        return names
    }

    private static let articles: Set<Substring> = ["The", "A", "An", "In", "On", "At", "Of", "And", "But", "It", "He", "She", "They", "His", "Her", "Their", "When", "While", "After", "Before", "Years", "Now"]
}
