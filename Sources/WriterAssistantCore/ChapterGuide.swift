package import WriterAssistantLLM

/// Keeps a chapter to its length in words, which a token budget can only approximate: models'
/// words take from about one to one and a half tokens.
///
/// Held back from ending (`SamplingParameters.minTokens`), a small model that has finished its
/// chapter writes `## Chapter 4` instead, and everything from that heading on is cut, so the
/// chapter came out as short as if it had ended. Until the minimum, no line may open with `#`;
/// after it, a heading ends the chapter as before. A `#` scene break is lost with it, which a
/// writer adds back more easily than a missing half chapter. Once the chapter has the words
/// asked, it ends at the next sentence end.
package struct ChapterGuide: OutputGuide {
    package let minTokens: Int
    /// Words after which the chapter ends at its next sentence end.
    package let endAfterWords: Int
    private var written = 0
    private var words = 0
    private var inWord = false
    /// The last bytes written other than spaces, enough to see a sentence end behind a quote.
    private var lastBytes: [UInt8] = []
    /// False on the first line: a title on top is not the next chapter (the prose is read
    /// without it, and the web app shows it as the chapter's title).
    private var atLineStart = false

    package init(minTokens: Int, endAfterWords: Int = .max) {
        self.minTokens = minTokens
        self.endAfterWords = endAfterWords
    }

    package func requirement(tokensLeft: Int) -> OutputRequirement {
        if words >= endAfterWords, atSentenceEnd { return .end }
        return written < minTokens ? .noLineOpening(UInt8(ascii: "#"), atLineStart: atLineStart) : .free
    }

    package mutating func observe(_ bytes: [UInt8]) {
        written += 1
        for byte in bytes {
            let space = byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
            if !space, !inWord { words += 1 }
            inWord = !space
            if !space { lastBytes = Array((lastBytes + [byte]).suffix(4)) }
        }
        // A line start stays one across spaces and tabs.
        if let last = bytes.last(where: { $0 != 0x20 && $0 != 0x09 }) {
            atLineStart = last == 0x0A
        }
    }

    /// The text so far ends a sentence: `.`, `!` or `?`, perhaps inside a closing quote.
    private var atSentenceEnd: Bool {
        var end = lastBytes[...]
        // ” and ’ are three bytes in UTF-8; " and ' one.
        if end.suffix(3).elementsEqual([0xE2, 0x80, 0x9D]) || end.suffix(3).elementsEqual([0xE2, 0x80, 0x99]) {
            end = end.dropLast(3)
        } else if let last = end.last, last == 0x22 || last == 0x27 {
            end = end.dropLast()
        }
        guard let last = end.last else { return false }
        return last == UInt8(ascii: ".") || last == UInt8(ascii: "!") || last == UInt8(ascii: "?")
    }
}
