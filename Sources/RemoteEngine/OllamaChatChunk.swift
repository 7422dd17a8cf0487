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

/// Splits a byte stream into lines: Ollama's framing.
struct LineDecoder {
    private var pending: [UInt8] = []

    mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                let line = String(decoding: pending, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if !line.isEmpty { lines.append(line) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return lines
    }
}
