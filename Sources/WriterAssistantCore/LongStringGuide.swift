public import WriterAssistantLLM

/// Closes one long string of a structured answer (a revised chapter) while the token budget still
/// has room for what follows it (its summary): at a sentence end once the room gets short, and at
/// once when only the least of it is left.
public struct LongStringGuide: OutputGuide, Equatable {
    /// Which string of the answer, counting keys, from 1: in `{"a": "…"}` the value is 2.
    let string: Int
    /// Tokens kept for what follows; the string closes at a sentence end within `reserve` and
    /// closes at once at `reserve - slack`.
    let reserve: Int
    static let slack = 30

    private var strings = 0
    private var inString = false
    private var escaped = false
    private var lastByte: UInt8 = 0

    public init(string: Int, reserve: Int) {
        self.string = string
        self.reserve = reserve
    }

    public mutating func observe(_ bytes: [UInt8]) {
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    continue
                }
                if byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\n") { lastByte = byte }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
                strings += 1
                lastByte = 0
            }
        }
    }

    public func requirement(tokensLeft: Int) -> OutputRequirement {
        guard inString, strings == string, !escaped else { return .free }
        let atSentenceEnd = ".!?".utf8.contains(lastByte)
        if tokensLeft <= reserve - Self.slack || (tokensLeft <= reserve && atSentenceEnd) {
            return .startsWith(UInt8(ascii: "\""))
        }
        return .free
    }
}
