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

    /// The object in `text`, or nil when it holds none that can be read. `keepingCutString` keeps
    /// what a string the text ended inside had so far; without it that string is left out whole
    /// (a suggestion cut mid-word is not a suggestion).
    package init?(_ text: String, keepingCutString: Bool = true) {
        // Bytes, not Characters: a brace or quote followed by a combining mark is one Character.
        let bytes = Array(text.utf8)
        guard let start = bytes.firstIndex(of: UInt8(ascii: "{")) else { return nil }
        if let end = bytes.lastIndex(of: UInt8(ascii: "}")), start < end, let object = Self.object(bytes[start...end]) {
            (fields, cutOff, cutInside) = (object, false, nil)
            return
        }
        guard let (object, key) = Self.closing(bytes[start...], keepingCutString: keepingCutString) else { return nil }
        (fields, cutOff, cutInside) = (object, true, key)
    }

    /// The trimmed string at `key`, or nil when it is missing, not a string or blank.
    package func string(_ key: String) -> String? {
        (fields[key] as? String)?.trimmed.nilIfEmpty
    }

    /// The trimmed, non-blank strings of the list at `key` (a lone string counts as a list of one).
    package func strings(_ key: String) -> [String] {
        Self.strings(fields[key])
    }

    /// The trimmed, non-blank strings of a list value (a lone string counts as a list of one).
    static func strings(_ value: Any?) -> [String] {
        switch value {
        case let list as [Any]: list.compactMap { ($0 as? String)?.trimmed.nilIfEmpty }
        case let single as String: [single.trimmed].compactMap(\.nilIfEmpty)
        default: []
        }
    }

    /// The objects of the list at `key`.
    package func objects(_ key: String) -> [[String: Any]] {
        (fields[key] as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
    }

    private static func object(_ bytes: some Sequence<UInt8>) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    /// Closes a cut-off object: first keeping an open string as written so far (or leaving it out),
    /// then, if that does not read, cutting back to each of the last commas between values in turn.
    /// The text is read by the same account of strings that the answer guides steer by.
    private static func closing(_ bytes: ArraySlice<UInt8>, keepingCutString: Bool) -> ([String: Any], String?)? {
        var json = JSONStrings()
        var closers: [UInt8] = []
        var cuts: [(end: Int, closers: [UInt8])] = []
        var stringStart = bytes.startIndex
        var lastString: Range<Int>?
        var openStringKey: String?
        var keyBeforeValue: String?
        for (index, byte) in zip(bytes.indices, bytes) {
            switch json.read(byte) {
            case .inside: break
            case .opened:
                stringStart = index + 1
                openStringKey = keyBeforeValue
            case .closed: lastString = stringStart..<index
            case .outside(UInt8(ascii: ":")): keyBeforeValue = lastString.map { String(decoding: bytes[$0], as: UTF8.self) }
            case .outside(UInt8(ascii: "{")):
                closers.append(UInt8(ascii: "}"))
                keyBeforeValue = nil
            case .outside(UInt8(ascii: "[")): closers.append(UInt8(ascii: "]"))
            case .outside(UInt8(ascii: "}")), .outside(UInt8(ascii: "]")): _ = closers.popLast()
            case .outside(UInt8(ascii: ",")):
                // Only the last few: each is a parse of the whole prefix, and a valid answer reads
                // at its last comma or close to it.
                if cuts.count == Self.cutBacks { cuts.removeFirst() }
                cuts.append((index, closers))
                if closers.last == UInt8(ascii: "}") { keyBeforeValue = nil }
            case .outside: break
            }
        }
        guard !closers.isEmpty || json.isOpen else { return nil }
        if !json.isOpen || !keepingCutString {
            // What was written, an open string left out whole (from its opening quote).
            let end = json.isOpen ? stringStart - 1 : bytes.endIndex
            if let object = Self.object(Self.trimmedEnd(bytes[..<end]) + closers.reversed()) {
                return (object, nil)
            }
        } else {
            var kept = Array(bytes)
            if json.escaped { kept.removeLast() }
            // A cut inside `\u12` leaves a broken escape; drop it (unless its backslash is itself
            // escaped: `\\u12` is a backslash and the text "u12").
            let backslash = UInt8(ascii: "\\")
            if let slash = kept.lastIndex(of: backslash), kept.count - slash < 6, slash + 1 < kept.count,
                kept[slash + 1] == UInt8(ascii: "u"),
                kept[..<slash].reversed().prefix(while: { $0 == backslash }).count % 2 == 0
            {
                kept.removeSubrange(slash...)
            }
            if let object = Self.object(kept + [UInt8(ascii: "\"")] + closers.reversed()) {
                return (object, openStringKey)
            }
        }
        for cut in cuts.reversed() {
            if let object = Self.object(bytes[..<cut.end] + cut.closers.reversed()) {
                return (object, nil)
            }
        }
        return nil
    }

    /// The text without the whitespace, commas and colons a cut left at its end.
    private static func trimmedEnd(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var text = text
        while let last = text.last, Self.trailing.contains(last) { text.removeLast() }
        return text
    }

    /// How many of the last commas a cut-off answer may be cut back to: each try parses the whole
    /// prefix again, so hostile output full of commas must not make reading quadratic.
    private static let cutBacks = 32

    private static let trailing = JSONStrings.whitespace.union([UInt8(ascii: "\r"), UInt8(ascii: ","), UInt8(ascii: ":")])
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
