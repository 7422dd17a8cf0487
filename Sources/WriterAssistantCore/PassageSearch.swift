import Foundation

/// The paragraphs of chapters that do not fit the prompt whole, ranked by how much they bear on a
/// request (Okapi BM25 over paragraphs), so a critic asked about chapter 40 still reads the
/// passage of chapter 3 its plot point depends on.
///
/// Plain and synchronous: indexing a manuscript is CPU work its caller runs off the cooperative
/// pool.
package struct PassageSearch: Sendable {
    /// One paragraph of a chapter (or a piece of a long one), as written (trimmed).
    package struct Passage: Sendable, Equatable {
        /// The chapter's number, as the prompt heads it.
        package var chapter: Int
        /// The paragraph's number in its chapter as the writer sees it, from 1: every block of
        /// text between blank lines counts, short ones too. The pieces of a long paragraph share
        /// its number.
        package var paragraph: Int
        package var text: String
        /// Which of the chapters searched it comes from, by position: two chapters may carry one
        /// number.
        package var source: Int = 0
        /// Its place among its chapter's passages, from 0, which tells neighbours apart from
        /// passages with text between them.
        package var order: Int = 0

        /// `passages` by the chapter they come from, in story order, each chapter's in its own
        /// order.
        static func byChapter(_ passages: [Passage]) -> [(source: Int, passages: [Passage])] {
            Dictionary(grouping: passages, by: \.source).sorted { $0.key < $1.key }.map { source, passages in
                (source, passages.sorted { $0.order < $1.order })
            }
        }
    }

    private struct Indexed: Sendable {
        var passage: Passage
        var termCounts: [String: Int]
        var length: Int
    }

    private let indexed: [Indexed]
    private let documentFrequency: [String: Int]
    private let averageLength: Double

    /// BM25's usual constants: term-frequency saturation and length normalisation.
    static let k1 = 1.2
    static let b = 0.75
    /// Paragraphs longer than this are cut at sentence ends, so one passage never fills the room
    /// meant for several.
    package static let longestPassage = 1_200
    /// Paragraphs shorter than this (a scene break, "Yes.") carry too little to quote alone.
    static let shortestPassage = 40

    /// `chapters` as numbers and their text (the body, without a heading).
    package init(chapters: [(number: Int, text: String)]) {
        var indexed: [Indexed] = []
        var documentFrequency: [String: Int] = [:]
        for (source, (number, text)) in chapters.enumerated() {
            for (order, piece) in Self.paragraphs(of: text).enumerated() {
                let terms = Self.terms(of: piece.text)
                var counts: [String: Int] = [:]
                for term in terms { counts[term, default: 0] += 1 }
                for term in counts.keys { documentFrequency[term, default: 0] += 1 }
                let passage = Passage(chapter: number, paragraph: piece.paragraph, text: piece.text, source: source, order: order)
                indexed.append(Indexed(passage: passage, termCounts: counts, length: terms.count))
            }
        }
        self.indexed = indexed
        self.documentFrequency = documentFrequency
        averageLength = indexed.isEmpty ? 1 : max(1, Double(indexed.map(\.length).reduce(0, +)) / Double(indexed.count))
    }

    /// Passages sharing at least one term with `query`, best first (ties in story order).
    package func ranked(for query: String) -> [Passage] {
        let queryTerms = Set(Self.terms(of: query))
        guard !queryTerms.isEmpty else { return [] }
        let count = Double(indexed.count)
        let weights = queryTerms.compactMap { term -> (String, Double)? in
            guard let frequency = documentFrequency[term] else { return nil }
            let df = Double(frequency)
            return (term, log(1 + (count - df + 0.5) / (df + 0.5)))
        }
        guard !weights.isEmpty else { return [] }
        // Each passage's own terms are looked up among the query's, so a long query (a whole
        // chapter under review) costs no more per passage than its own length.
        let weightOf = Dictionary(weights, uniquingKeysWith: { first, _ in first })
        var scored: [(score: Double, order: Int)] = []
        for (order, entry) in indexed.enumerated() {
            var score = 0.0
            let norm = Self.k1 * (1 - Self.b + Self.b * Double(entry.length) / averageLength)
            for (term, count) in entry.termCounts {
                guard let idf = weightOf[term] else { continue }
                let tf = Double(count)
                score += idf * tf * (Self.k1 + 1) / (tf + norm)
            }
            if score > 0 { scored.append((score, order)) }
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.order < $1.order }
        return scored.map { indexed[$0.order].passage }
    }

    /// The chapter's paragraphs (split at blank lines) with their numbers as the writer counts
    /// them, long ones cut at sentence ends, short ones left out (but counted).
    static func paragraphs(of text: String) -> [(paragraph: Int, text: String)] {
        var paragraphs: [(paragraph: Int, text: String)] = []
        var current: [Substring] = []
        var number = 0
        func close() {
            guard !current.isEmpty else { return }
            let paragraph = current.joined(separator: "\n").trimmed
            current = []
            number += 1
            guard paragraph.count >= shortestPassage else { return }
            paragraphs += cut(paragraph).map { (number, $0) }
        }
        // Any line ending: "\r\n" is one Character, which a split at "\n" would not see.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if line.allSatisfy(\.isWhitespace) { close() } else { current.append(line) }
        }
        close()
        return paragraphs
    }

    /// A paragraph cut into pieces of at most `longestPassage` characters, at sentence ends where
    /// there are any.
    static func cut(_ paragraph: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(paragraph)
        // Walks indices, never counts what is left: one giant paragraph is cut in one pass.
        while let limit = rest.index(rest.startIndex, offsetBy: longestPassage, limitedBy: rest.endIndex), limit < rest.endIndex {
            let window = rest[..<limit]
            var end = window.lastIndex { ".!?。！？".contains($0) }.map { window.index(after: $0) }
                ?? window.lastIndex(where: \.isWhitespace)
                ?? limit
            // A window whose only break is its first character is cut at its end, so every
            // turn moves on.
            if end == rest.startIndex || rest[..<end].allSatisfy(\.isWhitespace) { end = limit }
            let piece = String(rest[..<end]).trimmed
            if !piece.isEmpty { pieces.append(piece) }
            rest = rest[end...]
        }
        let last = String(rest).trimmed
        if !last.isEmpty { pieces.append(last) }
        return pieces
    }

    /// Lowercased words of two or more letters or digits, without the commonest English words.
    /// An apostrophe ends a word, so "Mara's" is found by "Mara".
    static func terms(of text: String) -> [String] {
        var terms: [String] = []
        var word = ""
        func close() {
            if word.count >= 2, !stopWords.contains(word) { terms.append(word) }
            word = ""
        }
        for character in text {
            if character.isLetter || character.isNumber {
                word += character.lowercased()
            } else {
                close()
            }
        }
        close()
        return terms
    }

    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "did", "do", "does", "for", "from", "had", "has",
        "have", "he", "her", "hers", "him", "his", "how", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not",
        "of", "on", "or", "our", "she", "so", "that", "the", "their", "them", "then", "there", "they", "this", "to", "up",
        "us", "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "would", "you", "your",
        "about", "after", "all", "also", "any", "can", "could", "each", "just", "more", "most", "other", "out", "over",
        "should", "some", "such", "than", "these", "those", "through", "too", "very",
    ]
}
