package import WriterAssistantAPI

/// What one version of a story changed from the one before it, read from the two manifests alone.
package enum StoryChanges {
    package static func between(_ old: StoryManifest?, _ new: StoryManifest) -> [StoryChange] {
        var changes: [StoryChange] = []
        func compare(_ part: StoryChange.Part, _ before: String?, _ after: String?) {
            switch (before, after) {
            case (nil, .some): changes.append(.init(part: part, change: .added))
            case (.some, nil): changes.append(.init(part: part, change: .removed))
            case (.some(let a), .some(let b)) where a != b: changes.append(.init(part: part, change: .changed))
            default: break
            }
        }
        if let old, old.title != new.title { changes.append(.init(part: .title, change: .changed, name: new.title)) }
        compare(.plotPoint, old?.plotPoint, new.plotPoint)
        compare(.raters, old?.raters, new.raters)
        compare(.systemPrompts, old?.systemPrompts, new.systemPrompts)
        compare(.worldbuilding, old?.worldbuilding, new.worldbuilding)
        compare(.storySummary, old?.storySummary, new.storySummary)
        compare(.plotContext, old?.plotContext, new.plotContext)
        changes += keyed(old?.characters ?? [], new.characters, key: { $0.name }, piece: { $0.piece }) { name, kind in
            StoryChange(part: .character, change: kind, name: name)
        }
        changes += keyed(old?.chapters ?? [], new.chapters, key: { $0.number }, piece: { $0.piece }) { number, kind in
            StoryChange(part: .chapter, change: kind, chapter: number, name: (new.chapters.first { $0.number == number } ?? old?.chapters.first { $0.number == number })?.title)
        }
        return changes
    }

    /// Entries matched by key (a character's name, a chapter's number): added, removed, or changed
    /// when their piece differs. Order follows the new list, then what was removed.
    private static func keyed<Entry, Key: Hashable>(
        _ old: [Entry], _ new: [Entry], key: (Entry) -> Key, piece: (Entry) -> String, change: (Key, StoryChange.Kind) -> StoryChange
    ) -> [StoryChange] {
        var before: [Key: String] = [:]
        for entry in old { before[key(entry)] = piece(entry) }
        var seen = Set<Key>()
        var changes: [StoryChange] = []
        for entry in new where seen.insert(key(entry)).inserted {
            switch before[key(entry)] {
            case nil: changes.append(change(key(entry), .added))
            case let earlier? where earlier != piece(entry): changes.append(change(key(entry), .changed))
            default: break
            }
        }
        for entry in old where !seen.contains(key(entry)) {
            seen.insert(key(entry))
            changes.append(change(key(entry), .removed))
        }
        return changes
    }
}
