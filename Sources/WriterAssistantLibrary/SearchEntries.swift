package import WriterAssistantAPI

/// The places of a story that search finds, each with its text: every chapter, every character,
/// the worldbuilding, the summary and the outline. `key` changes whenever the text does, so a save
/// re-indexes only the places it changed.
package struct SearchEntry: Sendable, Equatable {
    package var key: String
    package var place: LibrarySearchHit.Place
    package var chapter: Int?
    package var name: String?
    package var text: String

    /// Most characters of one place that are indexed: a chapter far longer than any real one is
    /// searched in its first part (PostgreSQL's index refuses a megabyte of distinct words).
    package static let longestIndexedText = 200_000

    package static func entries(of document: StoryDocument, manifest: StoryManifest) -> [SearchEntry] {
        all(of: document, manifest: manifest).map { entry in
            var entry = entry
            if entry.text.utf8.count > longestIndexedText { entry.text = String(entry.text.unicodeScalars.prefix(longestIndexedText)) }
            return entry
        }
    }

    private static func all(of document: StoryDocument, manifest: StoryManifest) -> [SearchEntry] {
        let context = document.structuredContext
        var entries: [SearchEntry] = []
        for (index, (chapter, entry)) in zip(context.previousChapters ?? [], manifest.chapters).enumerated() {
            let text = [chapter.title, chapter.content].compactMap { $0 }.joined(separator: "\n\n")
            entries.append(SearchEntry(
                key: "chapter/\(index)/\(entry.piece)", place: .chapter, chapter: entry.number, name: chapter.title, text: text))
        }
        for (index, (character, entry)) in zip(context.characters ?? [], manifest.characters).enumerated() {
            let fields = [
                character.name, character.basicBio, character.sex, character.gender, character.age, character.personality,
                character.motivations, character.fears, character.relationships, character.physicalAppearance, character.usualClothing,
            ]
            entries.append(SearchEntry(
                key: "character/\(index)/\(entry.piece)", place: .character, name: character.name,
                text: fields.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "\n")))
        }
        func section(_ place: LibrarySearchHit.Place, _ text: String?, _ piece: String?) {
            guard let text, !text.allSatisfy(\.isWhitespace), let piece else { return }
            entries.append(SearchEntry(key: "\(place.rawValue)/\(piece)", place: place, text: text))
        }
        section(.worldbuilding, context.worldbuilding?.content, manifest.worldbuilding)
        section(.storySummary, context.storySummary?.summary, manifest.storySummary)
        section(.plotOutline, context.plotContext?.plotOutline, manifest.plotContext)
        return entries
    }
}
