/// Reads an answer of free prose: a chapter, a passage.
package enum ProseAnswer {
    /// The prose without a title on top or blank lines around it, and, when the token budget
    /// stopped it, cut back to its last complete sentence (`truncated`). With `endsAtHeading`, a
    /// heading after the prose (a model running on into "# Chapter 3" or "# Story summary") ends
    /// it: that is for new chapters, whose text is all the model's; a revision keeps whatever
    /// headings the writer's chapter has. Nil when nothing readable is left.
    package static func read(
        _ text: String, stoppedAtLimit: Bool, endsAtHeading: Bool = false
    ) -> (text: String, truncated: Bool)? {
        reading(text, stoppedAtLimit: stoppedAtLimit, endsAtHeading: endsAtHeading).map { ($0.text, $0.truncated) }
    }

    /// What `read` keeps of an answer, and how its end was found.
    package struct Reading: Sendable, Equatable {
        package var text: String
        /// Cut back to its last complete sentence at the token budget.
        package var truncated: Bool
        /// Ended where the model began a heading (another chapter), which was cut off with all after it.
        package var ranIntoHeading: Bool
    }

    /// As `read`, saying also whether a heading ended the prose.
    package static func reading(_ text: String, stoppedAtLimit: Bool, endsAtHeading: Bool = false) -> Reading? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A title the model put on top is not part of the chapter.
        while let first = lines.first, first.trimmed.isEmpty || isHeading(first.trimmed) { lines.removeFirst() }
        // "The End" and the commentary a model writes after it are not the chapter either.
        if endsAtHeading, let next = lines.firstIndex(where: { isHeading($0.trimmed) || isEndMark($0) }) {
            let heading = isHeading(lines[next].trimmed)
            lines.removeSubrange(next...)
            return lines.joined(separator: "\n").trimmed.nilIfEmpty.map { Reading(text: $0, truncated: false, ranIntoHeading: heading) }
        }
        var prose = lines.joined(separator: "\n").trimmed
        guard stoppedAtLimit else { return prose.nilIfEmpty.map { Reading(text: $0, truncated: false, ranIntoHeading: false) } }
        if let end = lastSentenceEnd(in: prose) { prose = String(prose[...end]) }
        return prose.trimmed.nilIfEmpty.map { Reading(text: $0, truncated: true, ranIntoHeading: false) }
    }

    /// The text up to its last sentence end within its first `limit` words, or nil when no
    /// sentence ends within them.
    package static func sentences(of text: String, withinWords limit: Int) -> String? {
        var counted = 0
        var end = text.endIndex
        var inWord = false
        for index in text.indices {
            let character = text[index]
            if character.isWhitespace {
                inWord = false
            } else if !inWord {
                inWord = true
                // Words as `wordCount` counts them: only runs that hold a letter or digit.
                let run = text[index...].prefix { !$0.isWhitespace }
                guard run.contains(where: { $0.isLetter || $0.isNumber }) else { continue }
                counted += 1
                if counted > limit { end = index; break }
            }
        }
        let head = String(text[..<end])
        guard let last = lastSentenceEnd(in: head) else { return nil }
        return String(head[...last]).trimmed.nilIfEmpty
    }

    /// Words as a writer counts them: runs of characters between spaces that hold a letter or digit.
    package static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count { $0.contains { $0.isLetter || $0.isNumber } }
    }

    /// A Markdown heading with words (`# Title`, not a `#` or `###` scene break), or a short
    /// "Chapter …" line.
    private static func isHeading(_ line: String) -> Bool {
        let marks = line.prefix { $0 == "#" }
        if !marks.isEmpty {
            let rest = line.dropFirst(marks.count)
            return rest.first == " " && rest.contains { $0.isLetter || $0.isNumber }
        }
        let bare = line.trimmingPrefix(while: { $0 == "*" || $0 == "_" })
        return line.count < 60 && bare.lowercased().hasPrefix("chapter") && !line.hasSuffix(".")
    }

    /// A line that says only that the story ends: "The End", "*THE END*", "— the end —".
    private static func isEndMark(_ line: String) -> Bool {
        line.count < 30 && line.lowercased().filter(\.isLetter) == "theend"
    }

    /// The end of the last sentence, a closing quote after it included.
    private static func lastSentenceEnd(in text: String) -> String.Index? {
        guard var end = text.lastIndex(where: { ".!?…".contains($0) }) else { return nil }
        let after = text.index(after: end)
        if after < text.endIndex, "\"”’'".contains(text[after]) { end = after }
        return end
    }
}
