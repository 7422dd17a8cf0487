/// Reads an answer of free prose: a chapter, a passage.
public enum ProseAnswer {
    /// The prose without a title on top or blank lines around it, and, when the token budget
    /// stopped it, cut back to its last complete sentence (`truncated`). With `endsAtHeading`, a
    /// heading after the prose (a model running on into "# Chapter 3" or "# Story summary") ends
    /// it: that is for new chapters, whose text is all the model's; a revision keeps whatever
    /// headings the writer's chapter has. Nil when nothing readable is left.
    public static func read(
        _ text: String, stoppedAtLimit: Bool, endsAtHeading: Bool = false
    ) -> (text: String, truncated: Bool)? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A title the model put on top is not part of the chapter.
        while let first = lines.first, first.trimmed.isEmpty || isHeading(first.trimmed) { lines.removeFirst() }
        if endsAtHeading, let next = lines.firstIndex(where: { isHeading($0.trimmed) }) {
            lines.removeSubrange(next...)
            return lines.joined(separator: "\n").trimmed.nilIfEmpty.map { ($0, false) }
        }
        var prose = lines.joined(separator: "\n").trimmed
        guard stoppedAtLimit else { return prose.nilIfEmpty.map { ($0, false) } }
        if let end = lastSentenceEnd(in: prose) { prose = String(prose[...end]) }
        return prose.trimmed.nilIfEmpty.map { ($0, true) }
    }

    /// Words as a writer counts them: runs of characters between spaces that hold a letter or digit.
    public static func wordCount(_ text: String) -> Int {
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

    /// The end of the last sentence, a closing quote after it included.
    private static func lastSentenceEnd(in text: String) -> String.Index? {
        guard var end = text.lastIndex(where: { ".!?…".contains($0) }) else { return nil }
        let after = text.index(after: end)
        if after < text.endIndex, "\"”’'".contains(text[after]) { end = after }
        return end
    }
}
