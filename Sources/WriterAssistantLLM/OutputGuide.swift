/// Steers an answer token by token: a structured one so that it is complete within its token
/// budget, a chapter so that it does not open another before its minimum length.
///
/// A grammar bounds an answer's shape in characters, which cannot bound it in tokens (a rare
/// character can take several). The engine instead tells the guide every token's bytes as it is
/// written and asks it, before each token, whether the next one must close something; the guide
/// is a plain value, so its policy is tested without a model.
public protocol OutputGuide: Sendable {
    /// What the next token must begin with, when `tokensLeft` more may be written.
    func requirement(tokensLeft: Int) -> OutputRequirement

    /// Records the bytes of a token just written.
    mutating func observe(_ bytes: [UInt8])
}

public enum OutputRequirement: Sendable, Equatable {
    /// Any token the grammar allows.
    case free
    /// A token whose text begins with the ASCII byte `first` (e.g. `"` to close a string) and
    /// whose other bytes, if any, are all in `thenOnly` (nil: any bytes).
    case startsWith(UInt8, thenOnly: Set<UInt8>? = nil)
    /// No token that would open a line with the ASCII byte (after spaces): at a line start
    /// (`atLineStart`), none whose text begins with it; anywhere, none that holds a line break
    /// followed by it. How a chapter is kept from writing a `#` heading of the next one.
    case noLineOpening(UInt8, atLineStart: Bool)
    /// The answer is complete: the engine ends it here, as if the model had (a chapter at a
    /// sentence end once it has the words asked).
    case end
}
