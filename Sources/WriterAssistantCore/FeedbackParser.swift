import Foundation
package import WriterAssistantAPI

/// Reads a rater's answer out of model output.
///
/// Grammar-constrained engines always produce the JSON object, but other engines (or a token limit
/// hit mid-answer) may not, so this accepts, in order: the JSON object anywhere in the text
/// (code fences and chatter around it are ignored), the same object cut off mid-way, and plain
/// prose with a bulleted or numbered list. What it cannot read is reported, never made up.
package enum FeedbackParser {
    /// What was read, and whether the answer was whole or had to be closed after it was cut off.
    package struct Reading: Sendable, Equatable {
        package var feedback: RaterFeedback
        /// The answer was cut off: a half-written last suggestion was left out.
        package var truncated: Bool
    }

    package static func parse(_ output: String) throws(OperationFailure) -> RaterFeedback {
        try read(output).feedback
    }

    /// Reads the answer; `stoppedAtLimit` says the engine stopped it at its token limit, so an
    /// answer with nothing complete in it is reported as cut off rather than unreadable.
    package static func read(_ output: String, stoppedAtLimit: Bool = false) throws(OperationFailure) -> Reading {
        if let feedback = parseJSONObject(output) {
            return Reading(feedback: feedback, truncated: false)
        }
        if let feedback = parseTruncatedJSONObject(output) ?? parseProse(output) {
            return Reading(feedback: feedback, truncated: stoppedAtLimit || output.contains("{"))
        }
        if stoppedAtLimit {
            throw OperationFailure(
                .answerTruncated,
                "The answer reached the token limit before its first suggestion was complete. "
                    + "Allow longer answers (--max-tokens) or shorten the rater prompt.")
        }
        throw OperationFailure(
            .parsingError, "The model's answer did not contain an opinion and suggestions that could be read.")
    }

    // MARK: JSON

    private static func parseJSONObject(_ output: String) -> RaterFeedback? {
        guard let start = output.firstIndex(of: "{"), let end = output.lastIndex(of: "}"), start < end else {
            return nil
        }
        return feedback(fromJSON: String(output[start...end]))
    }

    /// Closes an object that the token limit cut short. A half-written string is left out whole
    /// (a suggestion cut mid-word is not a suggestion), so an answer cut inside its opinion is not
    /// read at all.
    private static func parseTruncatedJSONObject(_ output: String) -> RaterFeedback? {
        guard let start = output.firstIndex(of: "{") else { return nil }
        let fragment = output[start...]
        var closers: [Character] = []
        var openString: Substring.Index?
        var escaped = false
        for index in fragment.indices {
            let character = fragment[index]
            if openString != nil {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    openString = nil
                }
                continue
            }
            switch character {
            case "\"": openString = index
            case "{": closers.append("}")
            case "[": closers.append("]")
            case "}", "]": _ = closers.popLast()
            default: break
            }
        }
        guard !closers.isEmpty else { return nil }
        var repaired = String(fragment[..<(openString ?? fragment.endIndex)])
        while let last = repaired.last, last.isWhitespace || last == "," || last == ":" { repaired.removeLast() }
        repaired.append(contentsOf: closers.reversed())
        guard let feedback = feedback(fromJSON: repaired), !feedback.suggestions.isEmpty else { return nil }
        return feedback
    }

    private static func feedback(fromJSON text: String) -> RaterFeedback? {
        guard let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        let fields = Dictionary(object.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        let opinion = (fields["opinion"] as? String)?.trimmed ?? ""
        let suggestions: [String] =
            switch fields["suggestions"] ?? fields["suggestion"] {
            case let list as [Any]: list.compactMap { ($0 as? String)?.trimmed.nilIfEmpty }
            case let single as String: [single.trimmed].compactMap(\.nilIfEmpty)
            default: []
            }
        return validated(opinion: opinion, suggestions: suggestions)
    }

    // MARK: Prose

    private static func parseProse(_ output: String) -> RaterFeedback? {
        var opinionLines: [String] = []
        var suggestions: [String] = []
        for rawLine in output.split(whereSeparator: \.isNewline) {
            let line = String(rawLine).trimmed
            if let item = listItem(line) {
                suggestions.append(item)
            } else if suggestions.isEmpty, !line.isEmpty, !isHeading(line) {
                opinionLines.append(line)
            }
        }
        return validated(opinion: opinionLines.joined(separator: " "), suggestions: suggestions)
    }

    /// The text of a line that starts with `-`, `*`, `•`, `1.` or `1)`.
    private static func listItem(_ line: String) -> String? {
        var rest = Substring(line)
        if let first = rest.first, "-*•".contains(first) {
            rest.removeFirst()
        } else {
            let digits = rest.prefix(while: \.isNumber)
            guard !digits.isEmpty, digits.count <= 2 else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let marker = rest.first, marker == "." || marker == ")" else { return nil }
            rest.removeFirst()
        }
        guard rest.first?.isWhitespace == true else { return nil }
        return String(rest).trimmed.nilIfEmpty
    }

    private static func isHeading(_ line: String) -> Bool {
        line.hasPrefix("#") || (line.hasSuffix(":") && line.count < 40)
    }

    private static func validated(opinion: String, suggestions: [String]) -> RaterFeedback? {
        guard !opinion.isEmpty, !suggestions.isEmpty else { return nil }
        return RaterFeedback(opinion: opinion, suggestions: suggestions)
    }
}
