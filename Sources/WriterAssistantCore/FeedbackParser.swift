import Foundation
public import WriterAssistantAPI

/// Reads a rater's answer out of model output.
///
/// Grammar-constrained engines always produce the JSON object, but other engines (or a token limit
/// hit mid-answer) may not, so this accepts, in order: the JSON object anywhere in the text
/// (code fences and chatter around it are ignored), the same object cut off mid-way, and plain
/// prose with a bulleted or numbered list. What it cannot read is reported, never made up.
public enum FeedbackParser {
    public static func parse(_ output: String) throws(FeedbackFailure) -> RaterFeedback {
        if let feedback = parseJSONObject(output) ?? parseTruncatedJSONObject(output) ?? parseProse(output) {
            return feedback
        }
        throw FeedbackFailure(
            .parsingError, "The model's answer did not contain an opinion and suggestions that could be read.")
    }

    // MARK: JSON

    private static func parseJSONObject(_ output: String) -> RaterFeedback? {
        guard let start = output.firstIndex(of: "{"), let end = output.lastIndex(of: "}"), start < end else {
            return nil
        }
        return feedback(fromJSON: String(output[start...end]))
    }

    /// Closes an object that the token limit cut short. A half-written last suggestion is dropped
    /// when complete ones exist; a half-written opinion is kept, since it is still the model's own words.
    private static func parseTruncatedJSONObject(_ output: String) -> RaterFeedback? {
        guard let start = output.firstIndex(of: "{") else { return nil }
        let fragment = output[start...]
        var closers: [Character] = []
        var inString = false
        var escaped = false
        for character in fragment {
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{": closers.append("}")
            case "[": closers.append("]")
            case "}", "]": _ = closers.popLast()
            default: break
            }
        }
        guard !closers.isEmpty else { return nil }
        var repaired = String(fragment)
        if escaped { repaired.removeLast() }
        if inString { repaired.append("\"") }
        while let last = repaired.last, last.isWhitespace || last == "," || last == ":" { repaired.removeLast() }
        repaired.append(contentsOf: closers.reversed())
        guard var feedback = feedback(fromJSON: repaired) else { return nil }
        if inString, closers.last == "]", feedback.suggestions.count > 1 {
            feedback.suggestions.removeLast()
        }
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
