import WriterAssistantCore
import WriterAssistantLibrary

/// A stored story's chapter summaries, kept in the library with the story: read again after a
/// restart and by every replica that shares the library, deleted with the story.
struct LibrarySummaryArchive: ChapterSummaryArchive {
    let library: StoryLibrary
    let writer: String
    let story: String

    func summaries(for keys: [ChapterSummaryKey]) async throws -> [ChapterSummaryKey: String] {
        let found = try await library.chapterSummaries(story: story, writer: writer, keys: keys.map(\.digest))
        return Dictionary(uniqueKeysWithValues: found.map { (ChapterSummaryKey(digest: $0.key), $0.value) })
    }

    func keep(_ summary: String, for key: ChapterSummaryKey) async throws {
        try await library.keepChapterSummary(story: story, writer: writer, key: key.digest, summary: summary)
    }
}
