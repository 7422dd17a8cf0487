/// What a model server said when it refused or broke off an answer, made fit for a log: such
/// text can echo the request (story text) or credentials, so the error line carries only its
/// length, and the debug line a short prefix with anything that looks like a key masked.
enum PeerText {
    /// Characters of a peer's words a debug line keeps.
    static let keptForDebugging = 200

    /// Runs of at least this many key-like characters (letters, digits, `-`, `_`, `.`) that mix
    /// letters and digits are masked: API keys, bearer tokens, session ids.
    static let shortestSecret = 16

    /// `text` cut to `keptForDebugging` characters, with secrets-like runs replaced by `[redacted]`.
    static func redacted(_ text: String) -> String {
        var result = ""
        var run = ""
        func flush() {
            let hasLetter = run.contains { $0.isLetter }
            let hasDigit = run.contains { $0.isNumber }
            result += run.count >= shortestSecret && hasLetter && hasDigit ? "[redacted]" : run
            run = ""
        }
        for character in text.prefix(keptForDebugging) {
            if character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character)) {
                run.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result + (text.count > keptForDebugging ? "…" : "")
    }
}
