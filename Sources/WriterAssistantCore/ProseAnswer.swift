/// Reads an answer of free prose: a chapter, a passage.
public enum ProseAnswer {
    /// The prose without headings or blank lines around it, and, when the token budget stopped it,
    /// cut back to its last complete sentence (`truncated`). Nil when nothing readable is left.
    public static func read(_ text: String, stoppedAtLimit: Bool) -> (text: String, truncated: Bool)? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // A title the model put on top is not part of the chapter.
        while let first = lines.first, first.trimmed.isEmpty || isHeading(first.trimmed) { lines.removeFirst() }
        // A heading further down starts something else (the next chapter, a summary, notes): the
        // prose ended before it.
        var cutAtHeading = false
        if let next = lines.firstIndex(where: { isHeading($0.trimmed) }) {
            lines.removeSubrange(next...)
            cutAtHeading = true
        }
        var prose = lines.joined(separator: "\n").trimmed
        if cutAtHeading { return prose.nilIfEmpty.map { ($0, false) } }
        guard stoppedAtLimit else { return prose.nilIfEmpty.map { ($0, false) } }
        if let end = lastSentenceEnd(in: prose) { prose = String(prose[...end]) }
        return prose.trimmed.nilIfEmpty.map { ($0, true) }
    }

    /// Words as a writer counts them: runs of characters between spaces that hold a letter or digit.
    public static func wordCount(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count { $0.contains { $0.isLetter || $0.isNumber } }
    }

    private static func isHeading(_ line: String) -> Bool {
        let bare = line.trimmingPrefix(while: { $0 == "*" || $0 == "_" })
        return line.hasPrefix("#")
            || (line.count < 60 && bare.lowercased().hasPrefix("chapter") && !line.hasSuffix("."))
    }

    /// The end of the last sentence, a closing quote after it included.
    private static func lastSentenceEnd(in text: String) -> String.Index? {
        guard var end = text.lastIndex(where: { ".!?…".contains($0) }) else { return nil }
        let after = text.index(after: end)
        if after < text.endIndex, "\"”’'".contains(text[after]) { end = after }
        return end
    }
}
