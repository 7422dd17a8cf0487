import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLibrary

/// The stories of one writer's library as an archive question reaches them: the chapters the
/// library's search finds for any of the question's words, best places first, read as saved.
struct LibraryArchive: StoryArchive {
    let library: StoryLibrary
    let writer: String

    /// Places searched: more than the stories read, since one story may hold many of the best
    /// places. Only the chapters among them are indexed for passages (each story is still read
    /// whole from the library).
    static let placesSearched = 40

    func stories(matching text: String, limit: Int) async throws -> [ArchiveStory] {
        let hits = try await library.search(text, writer: writer, limit: Self.placesSearched, anyWord: true)
        var chaptersOf: [(id: String, numbers: Set<Int>)] = []
        for hit in hits where hit.place == .chapter {
            guard let number = hit.chapter else { continue }
            if let index = chaptersOf.firstIndex(where: { $0.id == hit.storyId }) {
                chaptersOf[index].numbers.insert(number)
            } else if chaptersOf.count < limit {
                chaptersOf.append((hit.storyId, [number]))
            }
        }
        var stories: [ArchiveStory] = []
        for (id, numbers) in chaptersOf {
            try Task.checkCancellation()
            let story: StoredStory
            do {
                story = try await library.story(id, writer: writer)
            } catch {
                // Deleted since the search, or unreadable: the other stories still answer.
                switch error {
                case .notFound, .conversationNotFound, .corrupt, .inTrash: continue
                case .versionConflict, .unavailable: throw error
                }
            }
            guard story.deletedAt == nil else { continue }
            // Numbered as the search numbers them: a chapter's own number, else its place.
            let chapters = (story.document.structuredContext.previousChapters ?? []).enumerated()
                .map { index, chapter in ArchiveStory.Chapter(number: chapter.number ?? index + 1, text: chapter.content) }
                .filter { numbers.contains($0.number) }
            stories.append(ArchiveStory(id: story.id, title: story.document.title, chapters: chapters))
        }
        return stories
    }
}
