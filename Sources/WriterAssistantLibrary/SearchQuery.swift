/// A writer's search box as a full-text query: the words they typed, each matched as a word (the
/// last also as the beginning of one, since they may still be typing), all required. Operators and
/// quotes are read as text, so no input can make the query invalid.
///
/// A question, rather than a search box, matches places holding any of its words (`anyWord`):
/// few places hold every word of "where did Mara hide the key", and the ranking puts those holding
/// the rarer words first.
package struct SearchQuery: Sendable, Equatable {
    package var terms: [String]
    package var anyWord: Bool

    package init(_ text: String, anyWord: Bool = false) {
        self.anyWord = anyWord
        var seen: Set<String> = []
        terms = text.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .map { String($0.lowercased().prefix(Self.longestTerm)) }
            .filter { !anyWord || seen.insert($0).inserted }
            .prefix(anyWord ? Self.longestQuestion : Self.longestQuery)
            .map { $0 }
    }

    package var isEmpty: Bool { terms.isEmpty }

    /// The query in SQLite FTS5's syntax: `"word" "word" "last"*`.
    package var fts5: String {
        terms.enumerated().map { index, term in
            "\"\(term)\"" + (isPrefix(index) ? "*" : "")
        }.joined(separator: anyWord ? " OR " : " ")
    }

    /// The query in PostgreSQL's `to_tsquery` syntax: `word & word & last:*`.
    package var tsquery: String {
        terms.enumerated().map { index, term in
            "'\(term)'" + (isPrefix(index) ? ":*" : "")
        }.joined(separator: anyWord ? " | " : " & ")
    }

    /// The last term matches as a beginning once it has a few letters: one letter would match
    /// nearly every word of the library at the first keystroke.
    private func isPrefix(_ index: Int) -> Bool {
        !anyWord && index == terms.count - 1 && terms[index].count >= Self.shortestPrefix
    }

    static let shortestPrefix = 3
    static let longestQuery = 16
    static let longestQuestion = 64
    static let longestTerm = 64
}

/// A snippet whose matched words are wrapped in two private-use characters, as the database was
/// asked to mark them, cut into plain text and matched fragments.
package enum SnippetMarks {
    package static let open: Character = "\u{E000}"
    package static let close: Character = "\u{E001}"

    package static func fragments(_ marked: String) -> [(text: String, match: Bool)] {
        var fragments: [(text: String, match: Bool)] = []
        var current = ""
        var inMatch = false
        for character in marked {
            if character == open || character == close {
                if !current.isEmpty { fragments.append((current, inMatch)) }
                current = ""
                inMatch = character == open
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { fragments.append((current, inMatch)) }
        return fragments
    }
}
