package import WriterAssistantAPI

/// The writer's stories as the archive's questions reach them. The HTTP layer gives one over the
/// library, scoped to the writer asking; tests give a fixed one.
package protocol StoryArchive: Sendable {
    /// Those of the writer's stories that best match `text`, best first, at most `limit`.
    func stories(matching text: String, limit: Int) async throws -> [ArchiveStory]
}

/// One of the writer's stories, as far as an archive question reads it: its chapters.
package struct ArchiveStory: Sendable, Equatable {
    package struct Chapter: Sendable, Equatable {
        package var number: Int
        package var text: String

        package init(number: Int, text: String) {
            self.number = number
            self.text = text
        }
    }

    package var id: String
    package var title: String
    package var chapters: [Chapter]

    package init(id: String, title: String, chapters: [Chapter]) {
        self.id = id
        self.title = title
        self.chapters = chapters
    }
}

/// Which passages of the stories found an answer reads: the paragraphs that bear most on the
/// question (BM25 over every chapter of those stories), as many as the room allows. Plain and
/// synchronous: its caller runs it off the cooperative pool.
package enum ArchiveShelf {
    /// Stories searched for passages: the best matches of the library's search.
    package static let mostStories = 4
    /// Passages an answer reads at most: enough to compare, few enough for a small model.
    package static let mostPassages = 8
    /// Characters of passages an answer reads at most: about 1,500 tokens.
    package static let room = 6_000

    package static func passages(for query: String, in stories: [ArchiveStory]) -> [ArchivePassage] {
        let sources = stories.prefix(mostStories).flatMap { story in story.chapters.map { (story, $0) } }
        let search = PassageSearch(chapters: sources.map { (number: $0.1.number, text: $0.1.text) })
        var chosen: [ArchivePassage] = []
        var used = 0
        for passage in search.ranked(for: query) {
            guard chosen.count < mostPassages else { break }
            guard used + passage.text.count <= room, sources.indices.contains(passage.source) else { continue }
            let story = sources[passage.source].0
            chosen.append(ArchivePassage(
                storyId: story.id, title: story.title, chapter: passage.chapter, paragraph: passage.paragraph, text: passage.text))
            used += passage.text.count
        }
        return chosen
    }
}
