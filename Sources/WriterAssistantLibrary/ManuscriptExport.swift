import Foundation
public import WriterAssistantAPI

/// A story as a manuscript in Markdown: the title, then each chapter under its heading in order.
/// The bible's other parts follow as an appendix, so nothing the writer kept is left out.
package enum ManuscriptExport {
    package static func markdown(_ document: StoryDocument) -> String {
        let context = document.structuredContext
        var parts = ["# \(line(document.title))"]
        let chapters = (context.previousChapters ?? []).enumerated()
            .sorted { ($0.element.number ?? $0.offset + 1, $0.offset) < ($1.element.number ?? $1.offset + 1, $1.offset) }
        for (offset, chapter) in chapters {
            let number = chapter.number ?? offset + 1
            let heading = chapter.title.map { "Chapter \(number): \(line($0))" } ?? "Chapter \(number)"
            parts.append("## \(heading)\n\n\(chapter.content.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        var appendix: [String] = []
        if let summary = context.storySummary?.summary, !summary.isEmpty { appendix.append("### Summary\n\n\(summary)") }
        if let outline = context.plotContext?.plotOutline, !outline.isEmpty { appendix.append("### Plot outline\n\n\(outline)") }
        if let world = context.worldbuilding?.content, !world.isEmpty { appendix.append("### Worldbuilding\n\n\(world)") }
        for character in context.characters ?? [] {
            let fields: [(String, String?)] = [
                ("Bio", character.basicBio), ("Sex", character.sex), ("Gender", character.gender), ("Age", character.age),
                ("Personality", character.personality), ("Motivations", character.motivations), ("Fears", character.fears),
                ("Relationships", character.relationships), ("Appearance", character.physicalAppearance),
                ("Clothing", character.usualClothing),
            ]
            let lines = fields.compactMap { label, value in value.flatMap { $0.isEmpty ? nil : "- **\(label):** \(line($0))" } }
            appendix.append((["### \(line(character.name))"] + lines).joined(separator: "\n"))
        }
        if !appendix.isEmpty { parts.append("---\n\n## Story bible\n\n" + appendix.joined(separator: "\n\n")) }
        return parts.joined(separator: "\n\n") + "\n"
    }

    /// A heading or list item holds one line.
    private static func line(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

extension StoryLibrary {
    /// The story as a Markdown manuscript.
    public static func markdown(_ document: StoryDocument) -> String {
        ManuscriptExport.markdown(document)
    }
}
