import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLibrary

/// The stories of one writer's library as an archive question reaches them: found by the
/// library's search (any of the question's words, best places first), read as saved.
struct LibraryArchive: StoryArchive {
    let library: StoryLibrary
    let writer: String

    /// Places searched to rank the stories: more than the stories read, since one story may hold
    /// many of the best places.
    static let placesSearched = 40

    func stories(matching text: String, limit: Int) async throws -> [ArchiveStory] {
        let hits = try await library.search(text, writer: writer, limit: Self.placesSearched, anyWord: true)
        var ids: [String] = []
        for hit in hits where !ids.contains(hit.storyId) && ids.count < limit { ids.append(hit.storyId) }
        var stories: [ArchiveStory] = []
        for id in ids {
            let story: StoredStory
            do {
                story = try await library.story(id, writer: writer)
            } catch {
                // Deleted since the search: nothing to read.
                if case .notFound = error { continue }
                throw error
            }
            guard story.deletedAt == nil else { continue }
            let chapters = story.document.structuredContext.numberedChapters.map { ArchiveStory.Chapter(number: $0.number, text: $0.chapter.content) }
            stories.append(ArchiveStory(id: story.id, title: story.document.title, chapters: chapters))
        }
        return stories
    }
}
