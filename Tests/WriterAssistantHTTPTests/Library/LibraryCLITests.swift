import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLibrary
import WriterAssistantTestSupport

/// `writer-assistant stories`, `--story-id`, `--api-key-file` and `writer-assistant library`, run
/// as processes against a live server and a real library.
@Suite(.serialized) struct LibraryCLITests {
    @Test func storiesAreImportedListedExportedAndUsedByOperations() async throws {
        let model = ScriptedModel(script: .wellFormed())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let keyFile = folder.appendingPathComponent("key").path
        try "cli-key-123\n".write(toFile: keyFile, atomically: true, encoding: .utf8)
        let configuration = ServerConfiguration(apiKeys: ["cli-key-123"], writerNames: ["cli-key-123": "ana"])
        try await TestServer.withLibrary(host: ModelHost(.ready(model)), configuration: configuration) { server in
            let client = ["--server", server.baseURL, "--api-key-file", keyFile]
            // Without a key the server refuses; the CLI says so with exit code 3.
            let refused = try await CLITests.run(["stories", "list", "--server", server.baseURL])
            #expect(refused.status == 3, "\(refused.stderr)")
            #expect(refused.stderr.contains("UNAUTHORIZED"))

            let imported = try await CLITests.run(["stories", "import", CLITests.example("story.json"), "--title", "The Door"] + client)
            #expect(imported.status == 0, "\(imported.stderr)")
            let id = imported.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(UUID(uuidString: id) != nil, "\(imported.stdout)")

            let listed = try await CLITests.run(["stories", "list", "--json"] + client)
            #expect(listed.status == 0, "\(listed.stderr)")
            let list = try JSONDecoder().decode(StoryList.self, from: Data(listed.stdout.utf8))
            #expect(list.stories.map(\.title) == ["The Door"])

            let markdown = folder.appendingPathComponent("the-door.md").path
            let exported = try await CLITests.run(["stories", "export", id, "--format", "markdown", "-o", markdown] + client)
            #expect(exported.status == 0, "\(exported.stderr)")
            #expect(try String(contentsOfFile: markdown, encoding: .utf8).hasPrefix("# The Door\n"))

            // An operation on the stored story, its answer kept in the story's history.
            let feedback = try await CLITests.run([
                "feedback", "--story-id", id, "--chapter-number", "2", "--rater", "You are a story critic.", "--rater-name", "Critic",
                "--plot", "Ari opens the door.", "--json",
            ] + client)
            #expect(feedback.status == 0, "\(feedback.stderr)")
            let answers = try await CLITests.run(["stories", "list"] + client)
            #expect(answers.status == 0)
            let history = try await server.get("/api/v1/stories/\(id)/answers", headers: [("Authorization", "Bearer cli-key-123")])
            let kept = try JSONDecoder().decode(StoredAnswerList.self, from: try await history.bodyData())
            #expect(kept.answers.map(\.rater) == ["Critic"])
            #expect(kept.answers.map(\.chapter) == [2])

            let both = try await CLITests.run([
                "feedback", "--story-id", id, "--story", CLITests.example("story.json"), "--rater", "R.", "--plot", "P.",
            ] + client)
            #expect(both.status == 2)
        }
    }

    @Test func theLibraryIsBackedUpAndRestoredWhileAServerUsesIt() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("library.sqlite").path
        let backup = folder.appendingPathComponent("backup.sqlite").path
        let server = try await LibraryServer.start(libraryPath: path)
        defer { server.kill() }
        let kept = try await server.create(StoryDocument(title: "Kept"))

        let backedUp = try await CLITests.run(["library", "backup", "--library-path", path, "--to", backup])
        #expect(backedUp.status == 0, "\(backedUp.stderr)")
        let again = try await CLITests.run(["library", "backup", "--library-path", path, "--to", backup])
        #expect(again.status != 0)

        let later = try await server.create(StoryDocument(title: "Later"))
        let restored = try await CLITests.run(["library", "restore", "--library-path", path, "--from", backup])
        #expect(restored.status == 0, "\(restored.stderr)")
        // The running server sees the restored library at once.
        #expect(try await server.story(kept.id).document.title == "Kept")
        await #expect(throws: (any Error).self) { try await server.story(later.id) }
        // What the library held before the restore was kept beside it.
        let beside = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("library.sqlite.before-restore-") }
        #expect(beside.count == 1)
    }
}
