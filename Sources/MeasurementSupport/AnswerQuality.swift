package import WriterAssistantAPI
import WriterAssistantCore

/// What the quality evaluation measures in one answer, from its text alone.
package struct AnswerQuality: Sendable {
    /// Share of the answer's word 4-grams that occur in it twice or more: above 0.3 it loops.
    package var repeatedShare: Double
    /// The longest run of consecutive sentences that each repeat an earlier sentence of the answer.
    package var longestRepeatedSentenceRun: Int
    package var suggestions: Int
    /// Pairs of suggestions that share most of their words.
    package var nearDuplicatePairs: Int
    /// The answer names a character or place of its story.
    package var grounded: Bool
    package var opinionWords: Int

    package static let loopingShare = 0.3

    package init(_ feedback: RaterFeedback, names: [String]) {
        let text = ([feedback.opinion] + feedback.suggestions).joined(separator: "\n")
        repeatedShare = Self.repeatedShare(text)
        longestRepeatedSentenceRun = Self.longestRepeatedSentenceRun(text)
        suggestions = feedback.suggestions.count
        nearDuplicatePairs = Self.nearDuplicatePairs(feedback.suggestions)
        grounded = Self.mentions(names, in: text)
        opinionWords = Self.words(feedback.opinion).count
    }

    package var loops: Bool { repeatedShare > Self.loopingShare }

    package static func repeatedShare(_ text: String, n: Int = 4) -> Double {
        let words = words(text)
        guard words.count >= n else { return 0 }
        let grams = (0...(words.count - n)).map { words[$0..<($0 + n)].joined(separator: " ") }
        var counts: [String: Int] = [:]
        for gram in grams { counts[gram, default: 0] += 1 }
        return Double(grams.count { counts[$0, default: 0] > 1 }) / Double(grams.count)
    }

    package static func longestRepeatedSentenceRun(_ text: String) -> Int {
        var seen: Set<String> = []
        var run = 0
        var longest = 0
        for sentence in text.split(whereSeparator: { ".!?\n".contains($0) }) {
            let key = words(String(sentence)).joined(separator: " ")
            guard !key.isEmpty else { continue }
            if seen.contains(key) {
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
                seen.insert(key)
            }
        }
        return longest
    }

    package static func nearDuplicatePairs(_ suggestions: [String]) -> Int {
        let sets = suggestions.map(FeedbackCleanup.words)
        var pairs = 0
        for i in sets.indices {
            for j in sets.indices where j > i && FeedbackCleanup.overlap(sets[i], sets[j]) >= FeedbackCleanup.sameThingThreshold {
                pairs += 1
            }
        }
        return pairs
    }

    /// A name counts when it appears whole, or, for a person's name of several words, any word of
    /// it of three letters or more that is not a title ("Tomas" for "Tomas Reyes").
    package static func mentions(_ names: [String], in text: String) -> Bool {
        let lowered = text.lowercased()
        let textWords = Set(words(text))
        return names.contains { name in
            if lowered.contains(name.lowercased()) { return true }
            let parts = words(name)
            return parts.count > 1 && parts.contains { $0.count >= 3 && !titles.contains($0) && textWords.contains($0) }
        }
    }

    private static let titles: Set<String> = ["the", "councillor", "mistress", "master", "admiral", "inspector", "great", "little", "city", "sea", "deck", "four", "hall", "wood", "bank", "estate", "company", "mining", "lane", "council", "captain", "hollow", "oak", "compact", "nebula", "and", "anchor", "gull", "port", "dry", "creek"]

    static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }
}
