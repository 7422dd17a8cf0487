import Foundation
import WriterAssistantAPI

/// How results are shown to a person or a script.
enum FeedbackPrinter {
    static func text(_ result: RaterFeedbackResult) -> String {
        var lines = ["\(result.raterName)", "", result.feedback.opinion, ""]
        for (number, suggestion) in result.feedback.suggestions.enumerated() {
            lines.append("\(number + 1). \(suggestion)")
        }
        if result.contextMetadata.truncated == true {
            lines += ["", "(The answer reached the token limit; its last, unfinished suggestion was left out.)"]
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
