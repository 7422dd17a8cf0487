package import WriterAssistantAPI

/// The names a critique of this story should use: its characters', and the capitalized names of
/// places and things its worldbuilding and summary mention.
package enum StoryNames {
    /// More names than this crowd the instructions; characters come first.
    package static let limit = 8

    /// Prose read for names: they are introduced early, and a hostile multi-megabyte story must
    /// not cost more than a glance.
    static let proseScanned = 4_000

    package static func of(_ context: StructuredContext?) -> [String] {
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

    /// The one of `taken` that `name` writes another way, or nil when `name` is new. Spacing,
    /// letter case and punctuation aside, it is taken when it is a taken name (`MarenVell`,
    /// `maren-vell`), begins with a taken name of several words (`MarenVells`), has a taken name's
    /// first word as its own (`Maren Ash`), or as the part before a hyphen or apostrophe of its own
    /// (`Ari-El` beside Ari). Names that merely begin alike (Sam and Samantha, Eli and Elias) are
    /// different people.
    package static func taken(_ name: String, among taken: [String]) -> String? {
        let key = folded(name)
        guard !key.isEmpty else { return nil }
        let first = firstWord(of: name)
        let stem = folded(String(name.trimmed.prefix { !$0.isWhitespace && !namePartJoiners.contains($0) }))
        return taken.first { other in
            let otherKey = folded(other)
            guard !otherKey.isEmpty else { return false }
            let severalWords = other.split(whereSeparator: \.isWhitespace).count > 1
            let otherFirst = firstWord(of: other)
            return key == otherKey || (severalWords && key.hasPrefix(otherKey)) || (!first.isEmpty && first == otherFirst)
                || (stem.count >= 3 && stem == otherFirst)
        }
    }

    /// What joins the parts of one word of a name: `Ari-El`, `O'Brien`.
    static let namePartJoiners: Set<Character> = ["-", "'", "’", "‐"]

    private static func firstWord(of name: String) -> String {
        name.split(maxSplits: 1, whereSeparator: \.isWhitespace).first.map { folded(String($0)) } ?? ""
    }

    /// A name as it is compared: its letters and digits, in lower case.
    static func folded(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil }.map(Character.init))
    }

    private static let articles: Set<Substring> = ["The", "A", "An", "In", "On", "At", "Of", "And", "But", "It", "He", "She", "They", "His", "Her", "Their", "When", "While", "After", "Before", "Years", "Now"]
}
