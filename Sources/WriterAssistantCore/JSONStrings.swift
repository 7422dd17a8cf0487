/// Where a JSON text being written stands with respect to its strings: how many were opened, whether
/// one is open, whether an escape is pending in it, and the last byte other than a space written in
/// it. What the answer guides steer by, token after token.
struct JSONStrings: Equatable, Sendable {
    enum Step: Equatable {
        /// A byte inside a string (its closing quote excluded).
        case inside
        case opened
        case closed
        /// A byte outside every string.
        case outside(UInt8)
    }

    /// Strings opened so far, keys included.
    private(set) var count = 0
    private(set) var isOpen = false
    private(set) var escaped = false
    /// The last byte other than a space, tab or line break written in the open string; 0 when none.
    private(set) var lastByte: UInt8 = 0

    mutating func read(_ byte: UInt8) -> Step {
        guard isOpen else {
            guard byte == UInt8(ascii: "\"") else { return .outside(byte) }
            isOpen = true
            count += 1
            lastByte = 0
            return .opened
        }
        if escaped {
            escaped = false
        } else if byte == UInt8(ascii: "\\") {
            escaped = true
        } else if byte == UInt8(ascii: "\"") {
            isOpen = false
            return .closed
        }
        if !Self.whitespace.contains(byte) { lastByte = byte }
        return .inside
    }

    static let whitespace: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n")]

    /// Whether the open string's last word ends a sentence.
    var atSentenceEnd: Bool { ".!?".utf8.contains(lastByte) }
}
