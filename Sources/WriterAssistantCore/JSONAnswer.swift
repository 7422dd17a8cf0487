import Foundation
import WriterAssistantAPI

/// Reads a structured answer's JSON object out of model output, whole or cut off.
///
/// Grammar-constrained engines always write the object, but its token budget can end it mid-way,
/// and engines without a grammar may wrap it in chatter or code fences. An answer cut off inside a
/// string keeps what the string had so far (a chapter cut mid-way is still most of a chapter); one
/// cut between a key and its value loses that key. Nothing is made up.
package struct JSONAnswer: @unchecked Sendable {
    /// The object's fields, keys as written.
    package let fields: [String: Any]
    /// The object had to be closed because the text ended inside it.
    package let cutOff: Bool
    /// The text ended inside the string value of this key, which therefore holds only its start.
    package let cutInside: String?

    /// The object in `text`, or nil when it holds none that can be read.
    package init?(_ text: String) {
        guard let start = text.firstIndex(of: "{") else { return nil }
        if let end = text.lastIndex(of: "}"), start < end, let object = Self.object(String(text[start...end])) {
            (fields, cutOff, cutInside) = (object, false, nil)
            return
        }
        guard let (object, key) = Self.closing(text[start...]) else { return nil }
        (fields, cutOff, cutInside) = (object, true, key)
    }

    /// The trimmed string at `key`, or nil when it is missing, not a string or blank.
    package func string(_ key: String) -> String? {
        (fields[key] as? String)?.trimmed.nilIfEmpty
    }

    /// The trimmed, non-blank strings of the list at `key` (a lone string counts as a list of one).
    package func strings(_ key: String) -> [String] {
        switch fields[key] {
        case let list as [Any]: list.compactMap { ($0 as? String)?.trimmed.nilIfEmpty }
        case let single as String: [single.trimmed].compactMap(\.nilIfEmpty)
        default: []
        }
    }

    /// The objects of the list at `key`.
    package func objects(_ key: String) -> [[String: Any]] {
        (fields[key] as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
    }

    private static func object(_ text: String) -> [String: Any]? {
        guard let data = text.data(using: .utf8) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// Closes a cut-off object: first keeping an open string as written so far, then, if that does
    /// not read, cutting back to each earlier comma between values in turn.
    private static func closing(_ fragment: Substring) -> ([String: Any], String?)? {
        var closers: [Character] = []
        var cuts: [(end: Substring.Index, closers: [Character])] = []
        var inString = false
        var escaped = false
        var lastString: (start: Substring.Index, end: Substring.Index)?
        var openStringKey: String?
        var stringStart = fragment.startIndex
        var keyBeforeValue: String?
        for index in fragment.indices {
            let character = fragment[index]
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                    lastString = (stringStart, index)
                }
                continue
            }
            switch character {
            case "\"":
                inString = true
                stringStart = index
                openStringKey = keyBeforeValue
            case ":":
                keyBeforeValue = lastString.map { String(fragment[fragment.index(after: $0.start)..<$0.end]) }
            case "{":
                closers.append("}")
                keyBeforeValue = nil
            case "[": closers.append("]")
            case "}", "]": _ = closers.popLast()
            case ",":
                cuts.append((index, closers))
                if closers.last == "}" { keyBeforeValue = nil }
            default: break
            }
        }
        guard !closers.isEmpty || inString else { return nil }
        if inString {
            var kept = String(fragment)
            if escaped { kept.removeLast() }
            // A cut inside `\u12` leaves a broken escape; drop it (unless its backslash is itself
            // escaped: `\\u12` is a backslash and the text "u12").
            if let slash = kept.lastIndex(of: "\\"), kept.distance(from: slash, to: kept.endIndex) < 6,
                kept[kept.index(after: slash)...].first == "u",
                kept[..<slash].reversed().prefix { $0 == "\\" }.count % 2 == 0
            {
                kept = String(kept[..<slash])
            }
            if let object = Self.object(kept + "\"" + String(closers.reversed())) {
                return (object, openStringKey)
            }
        } else if let object = Self.object(Self.trimmedEnd(fragment[...]) + String(closers.reversed())) {
            return (object, nil)
        }
        for cut in cuts.reversed() {
            if let object = Self.object(String(fragment[..<cut.end]) + String(cut.closers.reversed())) {
                return (object, nil)
            }
        }
        return nil
    }

    private static func trimmedEnd(_ text: Substring) -> String {
        var text = text
        while let last = text.last, last.isWhitespace || last == "," || last == ":" { text.removeLast() }
        return String(text)
    }
}

extension JSONAnswer {
    /// The answer's object, or the failure a client is told: cut off before anything could be
    /// read, or not the object asked for.
    static func reading(_ answer: FinishedAnswer) throws(OperationFailure) -> JSONAnswer {
        if let object = JSONAnswer(answer.text) { return object }
        throw unreadable(answer)
    }

    /// The failure of an answer that holds nothing usable.
    static func unreadable(_ answer: FinishedAnswer) -> OperationFailure {
        answer.stoppedAtLimit
            ? OperationFailure(
                .answerTruncated,
                "The answer reached the token limit before any of it was complete. Allow longer answers "
                    + "(--max-tokens, or --chapter-max-tokens for chapters).")
            : OperationFailure(.parsingError, "The model's answer was not the JSON object it was asked for.")
    }
}
