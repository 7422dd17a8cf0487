package import WriterAssistantAPI

/// How a text changed, as runs of kept, removed and added words. A writer's edit is usually local,
/// so the common beginning and end are set aside first; what lies between is compared word by word
/// when it is small enough, paragraph by paragraph when it is larger, and as a whole past that, so
/// that two unrelated megabyte chapters cost no more than reading them.
package enum TextDiff {
    /// Largest middle, in words, compared word by word.
    static let wordLimit = 4_000
    /// Largest middle, in paragraphs, compared paragraph by paragraph.
    static let paragraphLimit = 2_000

    package static func runs(from old: String, to new: String) -> [TextRun] {
        let before = words(old), after = words(new)
        let prefix = zip(before, after).prefix { $0 == $1 }.count
        let suffix = zip(before.dropFirst(prefix).reversed(), after.dropFirst(prefix).reversed()).prefix { $0 == $1 }.count
        let oldMiddle = Array(before[prefix..<(before.count - suffix)])
        let newMiddle = Array(after[prefix..<(after.count - suffix)])
        var runs = RunBuilder()
        runs.add(.same, before[..<prefix].joined())
        if oldMiddle.count + newMiddle.count <= wordLimit {
            compare(oldMiddle, newMiddle, into: &runs)
        } else {
            let oldParagraphs = paragraphs(oldMiddle), newParagraphs = paragraphs(newMiddle)
            if oldParagraphs.count + newParagraphs.count <= paragraphLimit {
                compare(oldParagraphs, newParagraphs, into: &runs)
            } else {
                runs.add(.removed, oldMiddle.joined())
                runs.add(.added, newMiddle.joined())
            }
        }
        runs.add(.same, before[(before.count - suffix)...].joined())
        return runs.runs
    }

    /// Each word with the space after it, and any space before the first: together they spell the
    /// text exactly.
    static func words(_ text: String) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        var inSpace = text.first?.isWhitespace ?? false
        while index < text.endIndex {
            let isSpace = text[index].isWhitespace
            if inSpace && !isSpace && start < index {
                pieces.append(text[start..<index])
                start = index
            }
            inSpace = isSpace
            index = text.index(after: index)
        }
        if start < text.endIndex { pieces.append(text[start...]) }
        return pieces
    }

    /// Words grouped into paragraphs: a group ends with a word whose space holds a line break.
    private static func paragraphs(_ words: [Substring]) -> [String] {
        var groups: [String] = []
        var current = ""
        for word in words {
            current += word
            if word.contains(where: \.isNewline) {
                groups.append(current)
                current = ""
            }
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    private static func compare<Piece: StringProtocol & Hashable>(_ old: [Piece], _ new: [Piece], into runs: inout RunBuilder) {
        let difference = new.difference(from: old)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if i < old.count, removed.contains(i) {
                runs.add(.removed, String(old[i]))
                i += 1
            } else if j < new.count, inserted.contains(j) {
                runs.add(.added, String(new[j]))
                j += 1
            } else {
                if j < new.count { runs.add(.same, String(new[j])) }
                i += 1
                j += 1
            }
        }
    }

    private struct RunBuilder {
        var runs: [TextRun] = []

        mutating func add(_ kind: TextRun.Kind, _ text: some StringProtocol) {
            guard !text.isEmpty else { return }
            if let last = runs.last, last.kind == kind {
                runs[runs.count - 1].text += text
            } else {
                runs.append(TextRun(kind, String(text)))
            }
        }
    }
}
