import Foundation

/// One line of Ollama's streamed `/api/chat` answer: a piece of the message, or the last line
/// (`done`) with why it ended and its counts, or an error. Counts it does not report (zero, or a
/// prompt read entirely from its cache) are left out of the line.
struct OllamaChatChunk: Decodable, Sendable {
    struct Message: Decodable, Sendable {
        var content: String?
    }

    var message: Message?
    var done: Bool?
    // swiftlint:disable identifier_name
    var done_reason: String?
    var prompt_eval_count: Int?
    var eval_count: Int?
    // swiftlint:enable identifier_name
    var error: String?
}

/// Splits a byte stream into lines: Ollama's framing. A line longer than any chat answer's line
/// is refused rather than held.
struct LineDecoder {
    private var pending: [UInt8] = []
    /// Far more than one line of a streamed answer (a piece of text and a few counts).
    static let longestLine = 1 << 20

    struct LineTooLong: Error {}

    mutating func feed(_ bytes: some Sequence<UInt8>) throws(LineTooLong) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if let line = take() { lines.append(line) }
            } else {
                guard pending.count < Self.longestLine else { throw LineTooLong() }
                pending.append(byte)
            }
        }
        return lines
    }

    /// What is left once the stream has ended: a last line without its newline.
    mutating func finish() -> String? {
        take()
    }

    private mutating func take() -> String? {
        let line = String(decoding: pending, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        pending.removeAll(keepingCapacity: true)
        return line.isEmpty ? nil : line
    }
}
