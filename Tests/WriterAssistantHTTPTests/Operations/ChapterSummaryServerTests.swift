import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLibrary
import WriterAssistantTestSupport

/// Summaries of a stored story's chapters over real sockets: asked for when the story is saved,
/// written in the background, kept in the library and read again by a server started later.
@Suite(.serialized) struct ChapterSummaryServerTests {
    /// Eight chapters of 300 words: more than a 1,500-token window leaves for the story.
    static let story = StoryDocument(
        title: "The Mill",
        structuredContext: StructuredContext(previousChapters: (1...8).map { (number: Int) in
            Chapter(number: number, title: "Day \(number)", content: (0..<30).map { line in
                "On day \(number) Mara counted \(line) sacks at the mill before dusk."
            }.joined(separator: " "))
        }),
        plotPoint: "Mara sells the mill.")

    static func model() -> ScriptedModel {
        ScriptedModel(script: .init(answer: ["Mara ", "counts ", "the ", "sacks."]), contextLength: 1_500)
    }

    static func server<T: Sendable>(
        model: ScriptedModel, library folder: URL, _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let library = LibraryHost()
        let opener = LibraryService(host: library, logger: TestServer.quietLogger) {
            try await StoryLibrary.openSQLite(path: folder.appendingPathComponent("library.sqlite").path, logger: TestServer.quietLogger)
        }
        return try await TestServer.with(host: ModelHost(.ready(model)), library: library, libraryOpener: opener) { server in
            for _ in 0..<200 {
                if case .ready = library.status { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await body(server)
        }
    }

    static func preview(_ id: String, on server: TestServer) async throws -> PromptPreview {
        let body = #"{"storyId": "\#(id)", "raterPrompt": "Judge the pacing.", "plotPoint": "Mara sells the mill."}"#
        let response = try await server.send(.POST, "/api/v1/rater-feedback/preview", json: body)
        #expect(response.status == .ok)
        return try await response.decode(PromptPreview.self)
    }

    @Test func aSavedStorysSummariesAreWrittenKeptAndReadAfterARestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("summaries-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = Self.model()
        let id = try await Self.server(model: first, library: folder) { server in
            let json = String(decoding: try JSONEncoder().encode(Self.story), as: UTF8.self)
            let created = try await server.send(.POST, "/api/v1/stories", json: json)
            #expect(created.status == .created)
            let story = try await created.decode(StoredStory.self)

            // Saving it is enough: once the writer pauses, the chapters its prompts leave out are
            // summarised, no request asked.
            let deadline = ContinuousClock.now + .seconds(60)
            while first.observed.started == 0, .now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(first.observed.started > 0, "the summaries were asked for when the story was saved")

            var preview = try await Self.preview(story.id, on: server)
            while preview.summariesPending != nil, .now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                preview = try await Self.preview(story.id, on: server)
            }
            let summarised = preview.sections.filter { $0.treatment == .summary }
            #expect(!summarised.isEmpty && preview.summariesPending == nil)
            #expect(summarised.first?.text == "# Chapter 1: Day 1 (summary)\nMara counts the sacks.")
            return story.id
        }

        // A server started later, on the same library, reads them at once and writes none again.
        let second = Self.model()
        try await Self.server(model: second, library: folder) { server in
            let preview = try await Self.preview(id, on: server)
            #expect(!preview.sections.filter { $0.treatment == .summary }.isEmpty)
            #expect(preview.summariesPending == nil)
            try await Task.sleep(for: .milliseconds(300))
            #expect(second.observed.started == 0)
        }
    }
}
