package import WriterAssistantAPI

/// Reads a rater's answer out of model output.
///
/// Grammar-constrained engines always produce the JSON object, but other engines (or a token limit
/// hit mid-answer) may not, so this accepts, in order: the JSON object anywhere in the text, whole
/// or cut off mid-way, as `JSONAnswer` reads every operation's answer, and plain prose with a
/// bulleted or numbered list. What it cannot read is reported, never made up.
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
        if let object = JSONAnswer(output, keepingCutString: false), let feedback = feedback(from: object) {
            return Reading(feedback: feedback, truncated: object.cutOff)
        }
        if let feedback = parseProse(output) {
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

    /// The opinion and suggestions of the object, keys in any case (engines without the grammar
    /// write `"Opinion"`, or one `"suggestion"`).
    private static func feedback(from object: JSONAnswer) -> RaterFeedback? {
        var fields: [String: Any] = [:]
        for (key, value) in object.fields where fields[key.lowercased()] == nil {
            fields[key.lowercased()] = value
        }
        let opinion = (fields["opinion"] as? String)?.trimmed ?? ""
        return validated(opinion: opinion, suggestions: JSONAnswer.strings(fields["suggestions"] ?? fields["suggestion"]))
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
