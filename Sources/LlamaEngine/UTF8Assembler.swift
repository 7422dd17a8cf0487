/// Joins token bytes into text without ever splitting a character: a token may end in the middle
/// of a multi-byte UTF-8 sequence, whose remaining bytes arrive with the next token.
struct UTF8Assembler {
    private var pending: [UInt8] = []

    /// The complete characters available after adding `bytes`; incomplete trailing bytes wait.
    mutating func append(_ bytes: [UInt8]) -> String {
        pending.append(contentsOf: bytes)
        let complete = pending.count - incompleteSuffixLength()
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// Whatever is left at the end, invalid bytes replaced.
    mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of a trailing multi-byte sequence that still lacks bytes.
    private func incompleteSuffixLength() -> Int {
        guard !pending.isEmpty else { return 0 }
        // A sequence is at most 4 bytes, so only the last 3 can belong to an unfinished one.
        for back in 1...min(3, pending.count) {
            let byte = pending[pending.count - back]
            if byte & 0b1100_0000 == 0b1000_0000 { continue }  // continuation byte
            let expected =
                switch byte {
                case 0b1111_0000...: 4
                case 0b1110_0000...: 3
                case 0b1100_0000...: 2
                default: 1
                }
            return expected > back ? back : 0
        }
        return 0
    }
}
