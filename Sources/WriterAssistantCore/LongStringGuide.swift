package import WriterAssistantLLM

/// Closes one long string of a structured answer (a revised chapter) while the token budget still
/// has room for what follows it (its summary): at a sentence end once the room gets short, and at
/// once when only the least of it is left.
package struct LongStringGuide: OutputGuide, Equatable {
    /// Which string of the answer, counting keys, from 1: in `{"a": "…"}` the value is 2.
    let string: Int
    /// Tokens kept for what follows; the string closes at a sentence end within `reserve` and
    /// closes at once at `reserve - slack`.
    let reserve: Int
    static let slack = 30

    private var json = JSONStrings()

    package init(string: Int, reserve: Int) {
        self.string = string
        self.reserve = reserve
    }

    package mutating func observe(_ bytes: [UInt8]) {
        for byte in bytes { _ = json.read(byte) }
    }

    package func requirement(tokensLeft: Int) -> OutputRequirement {
        guard json.isOpen, json.count == string, !json.escaped else { return .free }
        if tokensLeft <= reserve - Self.slack || (tokensLeft <= reserve && json.atSentenceEnd) {
            return .startsWith(UInt8(ascii: "\""))
        }
        return .free
    }
}
