/// The sentences of a passage an answer may cite, exactly as the passage has them, and the form a
/// quote is matched by.
///
/// A sentence runs to its closing mark (`.`, `!`, `?`, `…`) and the quotation marks or brackets
/// that close with it, so a question stays a question and a line of dialogue keeps its quotes.
/// One broken across lines is left out rather than cut there: its halves ("killed Mara" of "He
/// never / killed Mara.") would say what the text does not, and a grammar cannot offer a line
/// break. So is one of fewer than three words, too little to show anything, and one holding a
/// control character.
enum CitableSentences {
    /// Longer sentences are offered by their start, cut at a word: enough to find them.
    static let longest = 160

    static func sentences(of text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        var closing = false
        func close() {
            defer { current = "" }
            var sentence = current.trimmed
            guard !sentence.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return }
            if sentence.count > longest {
                let cut = sentence.prefix(longest)
                sentence = String(cut.lastIndex(where: \.isWhitespace).map { cut[..<$0] } ?? cut).trimmed
            }
            guard sentence.split(whereSeparator: \.isWhitespace).count >= 3 else { return }
            sentences.append(sentence)
        }
        for character in text {
            if closing, !Self.closers.contains(character), !Self.ends.contains(character) {
                close()
                closing = false
            }
            current.append(character)
            if Self.ends.contains(character) { closing = true }
        }
        close()
        return sentences
    }

    /// The form a quote is compared by: trimmed, without the closing marks and the quotation marks
    /// around it, which a model quoting without the grammar adds or drops.
    static func key(_ quote: String) -> String {
        let marks = ends.union(closers).union(openers)
        return String(quote.trimmed.drop { marks.contains($0) || $0.isWhitespace }.reversed().drop { marks.contains($0) || $0.isWhitespace }.reversed())
    }

    private static let ends: Set<Character> = [".", "!", "?", "…"]
    private static let closers: Set<Character> = ["\"", "'", "\u{201D}", "\u{2019}", ")", "]", "\u{BB}"]
    private static let openers: Set<Character> = ["\"", "'", "\u{201C}", "\u{2018}", "(", "[", "\u{AB}"]
}
