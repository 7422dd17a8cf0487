import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLibrary
import WriterAssistantLLM
import WriterAssistantTestSupport
import Synchronization

/// The library's API over real sockets, on a real SQLite library.
@Suite struct LibraryEndpointTests {
    static let story = #"""
        {"title": "The Salt Road",
         "structured_context": {
           "worldbuilding": {"content": "A harbour city where the tide brings letters."},
           "characters": [{"name": "Mara Vell", "basicBio": "A ferry pilot.", "age": 34}],
           "previousChapters": [
             {"number": 1, "title": "The Letter", "content": "Mara found the letter inside the lantern."},
             {"number": 2, "title": "The Bridge", "content": "Ivo drowned below the weir, and nobody spoke of it."}]},
         "raters": [{"id": "r1", "name": "Pacing editor", "prompt": "Judge the pacing.", "enabled": true}],
         "plotPoint": "Mara crosses the bridge.",
         "somethingNew": "ignored"}
        """#

    static func decode<T: Decodable>(_ response: HTTPClientResponse, as type: T.Type) async throws -> T {
        try JSONDecoder().decode(T.self, from: try await response.bodyData())
    }

    static func error(_ response: HTTPClientResponse) async throws -> ErrorResponse {
        try await decode(response, as: ErrorResponse.self)
    }

    @Test func storiesAreCreatedOpenedSavedAndListed() async throws {
        try await TestServer.withLibrary { server in
            let created = try await server.send(.POST, "/api/v1/stories", json: Self.story)
            #expect(created.status == .created)
            let story = try await Self.decode(created, as: StoredStory.self)
            #expect(created.headers.first(name: "location") == "/api/v1/stories/\(story.id)")
            #expect(created.headers.first(name: "etag") == "\"v1\"")
            #expect(story.version == 1)
            #expect(story.wordCount == 17)
            #expect(story.document.raters.first?.name == "Pacing editor")
            #expect(story.document.structuredContext.characters?.first?.age == "34")

            let opened = try await server.get("/api/v1/stories/\(story.id)")
            #expect(opened.status == .ok)
            #expect(opened.headers.first(name: "etag") == "\"v1\"")
            var current = try await Self.decode(opened, as: StoredStory.self)
            #expect(current == story)

            // What GET returned goes back to PUT as it is; the server's own fields are ignored.
            current.document.structuredContext.previousChapters?[0].content += " It was addressed to her brother."
            let body = String(decoding: try JSONEncoder().encode(current), as: UTF8.self)
            let saved = try await server.send(.PUT, "/api/v1/stories/\(story.id)", json: body, headers: [("If-Match", "\"v1\"")])
            #expect(saved.status == .ok)
            #expect(saved.headers.first(name: "etag") == "\"v2\"")
            #expect(try await Self.decode(saved, as: StoredStory.self).version == 2)

            // A second tab still on version 1 is refused, told the current story, and changes nothing.
            let stale = try await server.send(.PUT, "/api/v1/stories/\(story.id)", json: Self.story, headers: [("If-Match", "\"v1\"")])
            #expect(stale.status == .preconditionFailed)
            let conflict = try JSONSerialization.jsonObject(with: try await stale.bodyData()) as? [String: Any]
            #expect(conflict?["error_code"] as? String == "VERSION_CONFLICT")
            #expect((conflict?["current"] as? [String: Any])?["version"] as? Int == 2)
            let after = try await Self.decode(try await server.get("/api/v1/stories/\(story.id)"), as: StoredStory.self)
            #expect(after.version == 2)
            #expect(after.document.structuredContext.previousChapters?[0].content.hasSuffix("her brother.") == true)

            let list = try await Self.decode(try await server.get("/api/v1/stories"), as: StoryList.self)
            #expect(list.stories.map(\.id) == [story.id])
            #expect(list.stories.first?.version == 2)
        }
    }

    @Test func versionsDiffsAndRestore() async throws {
        try await TestServer.withLibrary { server in
            let story = try await Self.decode(try await server.send(.POST, "/api/v1/stories", json: Self.story), as: StoredStory.self)
            var edited = story
            edited.document.structuredContext.previousChapters?[1].content = "Ivo swam below the weir, and everyone spoke of it."
            _ = try await server.send(.PUT, "/api/v1/stories/\(story.id)", json: String(decoding: try JSONEncoder().encode(edited), as: UTF8.self))

            let versions = try await Self.decode(try await server.get("/api/v1/stories/\(story.id)/versions"), as: StoryVersionList.self)
            #expect(versions.versions.map(\.version) == [2, 1])
            #expect(versions.versions[0].changes == [StoryChange(part: .chapter, change: .changed, chapter: 2, name: "The Bridge")])

            let diff = try await Self.decode(try await server.get("/api/v1/stories/\(story.id)/diff?from=1&to=2&chapter=2"), as: ChapterDiff.self)
            #expect(diff.runs.contains(TextRun(.removed, "drowned ")))
            #expect(diff.runs.contains(TextRun(.added, "swam ")))

            let first = try await Self.decode(try await server.get("/api/v1/stories/\(story.id)/versions/1"), as: StoredStory.self)
            #expect(first.document == story.document)

            let restored = try await server.send(.POST, "/api/v1/stories/\(story.id)/versions/1/restore")
            #expect(restored.status == .ok)
            let now = try await Self.decode(restored, as: StoredStory.self)
            #expect(now.version == 3)
            #expect(now.document == story.document)
            #expect(try await server.get("/api/v1/stories/\(story.id)/versions/9").status == .notFound)
            #expect(try await server.get("/api/v1/stories/\(story.id)/diff?from=1&to=2").status == .unprocessableEntity)
        }
    }

    @Test func trashRestoreAndEmpty() async throws {
        try await TestServer.withLibrary { server in
            let story = try await Self.decode(try await server.send(.POST, "/api/v1/stories", json: Self.story), as: StoredStory.self)
            #expect(try await server.send(.DELETE, "/api/v1/stories/\(story.id)").status == .ok)
            #expect(try await Self.decode(try await server.get("/api/v1/stories"), as: StoryList.self).stories.isEmpty)
            let trash = try await Self.decode(try await server.get("/api/v1/stories?trash=true"), as: StoryList.self)
            #expect(trash.stories.map(\.id) == [story.id])
            #expect(trash.stories.first?.deletedAt != nil)
            let edit = try await server.send(.PUT, "/api/v1/stories/\(story.id)", json: Self.story)
            #expect(edit.status == .conflict)
            #expect(try await Self.error(edit).errorCode == .storyInTrash)

            #expect(try await server.send(.POST, "/api/v1/stories/\(story.id)/restore").status == .ok)
            #expect(try await Self.decode(try await server.get("/api/v1/stories"), as: StoryList.self).stories.count == 1)

            _ = try await server.send(.DELETE, "/api/v1/stories/\(story.id)")
            let emptied = try await server.send(.DELETE, "/api/v1/trash")
            #expect(try await Self.decode(emptied, as: [String: Int].self) == ["deleted": 1])
            #expect(try await server.get("/api/v1/stories/\(story.id)").status == .notFound)
        }
    }

    @Test func exportAsMarkdownAndAsJSONThatImportsAgain() async throws {
        try await TestServer.withLibrary { server in
            let story = try await Self.decode(try await server.send(.POST, "/api/v1/stories", json: Self.story), as: StoredStory.self)
            let markdown = try await server.get("/api/v1/stories/\(story.id)/export?format=markdown")
            #expect(markdown.status == .ok)
            #expect(markdown.headers.first(name: "content-type") == "text/markdown; charset=utf-8")
            #expect(markdown.headers.first(name: "content-disposition") == "attachment; filename=\"the-salt-road.md\"")
            let text = String(decoding: try await markdown.bodyData(), as: UTF8.self)
            #expect(text.hasPrefix("# The Salt Road\n\n## Chapter 1: The Letter\n\nMara found the letter inside the lantern."))

            let json = try await server.get("/api/v1/stories/\(story.id)/export?format=json")
            #expect(json.headers.first(name: "content-disposition") == "attachment; filename=\"the-salt-road.json\"")
            let exported = String(decoding: try await json.bodyData(), as: UTF8.self)
            let imported = try await Self.decode(try await server.send(.POST, "/api/v1/stories", json: exported), as: StoredStory.self)
            #expect(imported.id != story.id)
            #expect(imported.document == story.document)
            #expect(try await server.get("/api/v1/stories/\(story.id)/export?format=pdf").status == .unprocessableEntity)
        }
    }

    @Test func searchFindsTheWritersOwnStories() async throws {
        try await TestServer.withLibrary { server in
            let story = try await Self.decode(try await server.send(.POST, "/api/v1/stories", json: Self.story), as: StoredStory.self)
            let results = try await Self.decode(try await server.get("/api/v1/search?q=drowned%20weir"), as: LibrarySearchResults.self)
            #expect(results.hits.count == 1)
            #expect(results.hits.first?.storyId == story.id)
            #expect(results.hits.first?.chapter == 2)
            #expect(results.hits.first?.title == "The Salt Road")
            #expect(results.hits.first?.fragments.contains { $0.match && $0.text == "drowned" } == true)
            #expect(try await Self.decode(try await server.get("/api/v1/search?q="), as: LibrarySearchResults.self).hits.isEmpty)
            // A query as a browser's form writes it: `+` for a space, `%2B` for a plus.
            let plussed = try await Self.decode(try await server.get("/api/v1/search?q=drowned+weir"), as: LibrarySearchResults.self)
            #expect(plussed.query == "drowned weir")
            #expect(plussed.hits.map(\.storyId) == [story.id])
            #expect(try await Self.decode(try await server.get("/api/v1/search?q=weir%2B"), as: LibrarySearchResults.self).query == "weir+")
        }
    }

    @Test func badRequestsAreRefusedWithClearErrors() async throws {
        try await TestServer.withLibrary(configuration: ServerConfiguration(maxBodySize: 4_096)) { server in
            for id in ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "%27%20OR%201%3D1"] {
                let response = try await server.get("/api/v1/stories/\(id)")
                #expect(response.status == .notFound, "\(id)")
                #expect(try await Self.error(response).errorCode == .storyNotFound)
            }
            let untitled = try await server.send(.POST, "/api/v1/stories", json: #"{"title": "  "}"#)
            #expect(untitled.status == .unprocessableEntity)
            let issues = try await Self.decode(untitled, as: ValidationErrorResponse.self)
            #expect(issues.detail.first?.loc == ["body", "title"])
            let mistyped = try await server.send(.POST, "/api/v1/stories", json: #"{"title": "T", "raters": "all"}"#)
            #expect(try await Self.decode(mistyped, as: ValidationErrorResponse.self).detail.first?.loc == ["body", "raters"])
            let large = try await server.send(.POST, "/api/v1/stories", json: "{\"title\": \"\(String(repeating: "a", count: 5_000))\"}")
            #expect(large.status == .payloadTooLarge)
            var plain = HTTPClientRequest(url: server.baseURL + "/api/v1/stories")
            plain.method = .POST
            plain.headers.add(name: "Content-Type", value: "text/plain")
            plain.body = .bytes(ByteBuffer(string: #"{"title": "T"}"#))
            #expect(try await HTTPClient.shared.execute(plain, timeout: .seconds(10)).status == .unsupportedMediaType)
        }
    }

    /// Each key is a writer: one writer's stories are not found by another, whatever they try.
    @Test func writersSeeOnlyTheirOwnStories() async throws {
        let configuration = ServerConfiguration(apiKeys: ["ana-key-123", "ben-key-456"], writerNames: ["ana-key-123": "ana"])
        try await TestServer.withLibrary(configuration: configuration) { server in
            let ana = [("Authorization", "Bearer ana-key-123")], ben = [("Authorization", "Bearer ben-key-456")]
            #expect(try await server.send(.POST, "/api/v1/stories", json: Self.story).status == .unauthorized)
            let story = try await Self.decode(
                try await server.send(.POST, "/api/v1/stories", json: Self.story, headers: ana), as: StoredStory.self)
            for path in ["", "/versions", "/versions/1", "/answers", "/export?format=markdown", "/diff?from=1&to=1&chapter=1"] {
                let response = try await server.get("/api/v1/stories/\(story.id)\(path)", headers: ben)
                #expect(response.status == .notFound, "\(path)")
            }
            #expect(try await server.send(.PUT, "/api/v1/stories/\(story.id)", json: Self.story, headers: ben).status == .notFound)
            #expect(try await server.send(.DELETE, "/api/v1/stories/\(story.id)", headers: ben).status == .notFound)
            #expect(try await Self.decode(try await server.get("/api/v1/stories", headers: ben), as: StoryList.self).stories.isEmpty)
            #expect(try await Self.decode(try await server.get("/api/v1/search?q=weir", headers: ben), as: LibrarySearchResults.self).hits.isEmpty)
            let operation = #"{"storyId": "\#(story.id)", "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            #expect(try await server.send(.POST, "/api/v1/rater-feedback", json: operation, headers: ben).status == .notFound)
            // A preview would show the story's text: it is another writer's, so it is not found.
            #expect(try await server.send(.POST, "/api/v1/rater-feedback/preview", json: operation, headers: ben).status == .notFound)
            #expect(try await server.send(.POST, "/api/v1/rater-feedback/preview", json: operation).status == .unauthorized)
            #expect(try await server.send(.POST, "/api/v1/tokens", json: #"{"texts": ["a"]}"#).status == .unauthorized)
            #expect(try await server.get("/api/v1/stories/\(story.id)", headers: ana).status == .ok)
        }
    }

    /// Another site's page cannot read, time or change the library; this server's own page, its
    /// allowed origins and clients that are not browsers can.
    @Test func pagesOfOtherSitesAreKeptOut() async throws {
        let configuration = ServerConfiguration(allowedOrigins: ["http://localhost:4200"])
        try await TestServer.withLibrary(configuration: configuration) { server in
            let story = try await Self.decode(try await server.send(.POST, "/api/v1/stories", json: Self.story), as: StoredStory.self)
            let refusals: [(NIOHTTP1.HTTPMethod, String, [(String, String)])] = [
                (.GET, "/api/v1/search?q=weir", [("Sec-Fetch-Site", "cross-site")]),
                (.GET, "/api/v1/stories", [("Sec-Fetch-Site", "cross-site"), ("Origin", "https://evil.example")]),
                (.POST, "/api/v1/stories/\(story.id)/versions/1/restore", [("Origin", "https://evil.example")]),
                (.DELETE, "/api/v1/stories/\(story.id)", [("Origin", "null")]),
            ]
            for (method, path, headers) in refusals {
                let response = try await server.send(method, path, headers: headers)
                #expect(response.status == .forbidden, "\(method) \(path)")
                #expect(try await Self.error(response).errorCode == .originNotAllowed)
            }
            #expect(try await Self.decode(try await server.get("/api/v1/stories/\(story.id)"), as: StoredStory.self).version == 1)
            let welcome: [[(String, String)]] = [
                [], [("Sec-Fetch-Site", "same-origin"), ("Origin", server.baseURL)], [("Origin", "http://localhost:4200")],
                [("Origin", "http://127.0.0.1:\(server.port)")],
            ]
            for headers in welcome {
                #expect(try await server.get("/api/v1/search?q=weir", headers: headers).status == .ok, "\(headers)")
            }
        }
    }

    @Test func storiesTooLargeToHandleInOneSaveAreRefused() async throws {
        try await TestServer.withLibrary { server in
            let chapters = (0...StoryDocument.mostChapters).map { #"{"content": "c\#($0)"}"# }.joined(separator: ",")
            let response = try await server.send(.POST, "/api/v1/stories", json: #"{"title": "Many", "structured_context": {"previousChapters": [\#(chapters)]}}"#)
            #expect(response.status == .unprocessableEntity)
            let issue = try await Self.decode(response, as: ValidationErrorResponse.self).detail.first
            #expect(issue?.loc == ["body", "structured_context", "previousChapters"])
            #expect(issue?.msg.contains("\(StoryDocument.mostChapters)") == true)
        }
    }

    /// A database that is not there yet (PostgreSQL starting beside the server) is tried again
    /// until it answers.
    @Test func aLibraryThatFailsToOpenIsTriedAgain() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("library-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let attempts = Attempts()
        let library = LibraryHost()
        let opener = LibraryService(host: library, logger: TestServer.quietLogger) {
            guard attempts.next() > 2 else { throw LibraryFailure.unavailable("the database is not up yet") }
            return try await StoryLibrary.connect(.sqlite(path: folder.appendingPathComponent("library.sqlite").path), logger: TestServer.quietLogger)
        }
        try await TestServer.with(host: ModelHost(), library: library, libraryOpener: opener) { server in
            var sawFailure = false
            for _ in 0..<400 {
                if case .failed(let reason) = library.status { sawFailure = true; #expect(reason == "the database is not up yet") }
                if case .ready = library.status { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            #expect(sawFailure)
            #expect(try await server.send(.POST, "/api/v1/stories", json: #"{"title": "At last"}"#).status == .created)
        }
    }

    @Test func aLibraryThatCannotOpenLeavesOperationsWorking() async throws {
        let library = LibraryHost()
        let opener = LibraryService(host: library, logger: TestServer.quietLogger) {
            try await StoryLibrary.openSQLite(path: "/proc/no-such-place/library.sqlite", logger: TestServer.quietLogger)
        }
        let host = ModelHost(.ready(ScriptedModel(script: .wellFormed())))
        try await TestServer.with(host: host, library: library, libraryOpener: opener) { server in
            for _ in 0..<100 where { if case .failed = library.status { false } else { true } }() {
                try await Task.sleep(for: .milliseconds(20))
            }
            let stories = try await server.get("/api/v1/stories")
            #expect(stories.status == .serviceUnavailable)
            let error = try await Self.error(stories)
            #expect(error.errorCode == .libraryNotAvailable)
            #expect(!error.detail.contains("/proc"))
            let health = try await Self.decode(try await server.get("/health"), as: HealthStatus.self)
            #expect(health.library == LibraryHealth(available: false, state: "failed", error: "the library's database cannot be opened"))

            let request = RaterFeedbackRequest(raterPrompt: "Judge.", plotPoint: "Mara crosses.", structuredContext: StructuredContext())
            #expect(try await server.post("/api/v1/rater-feedback", json: request).status == .ok)
        }
    }

    /// An operation on a stored story reads the story from the library and files its answer in
    /// the story's history, on both endpoints.
    @Test func operationsOnAStoredStoryAreKeptInItsHistory() async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.withLibrary(host: ModelHost(.ready(model))) { server in
            let story = try await Self.decode(try await server.send(.POST, "/api/v1/stories", json: Self.story), as: StoredStory.self)
            let body = #"{"storyId": "\#(story.id)", "chapter": 2, "raterName": "Pacing editor", "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            let sync = try await server.send(.POST, "/api/v1/rater-feedback", json: body)
            #expect(sync.status == .ok)
            let result = try await Self.decode(sync, as: RaterFeedbackResult.self)

            let stream = try await server.send(.POST, "/api/v1/rater-feedback/stream", json: body.replacingOccurrences(of: "\"chapter\": 2", with: "\"chapter\": 1"))
            let text = String(decoding: try await stream.bodyData(), as: UTF8.self)
            #expect(text.contains("\"type\":\"result\""))

            // The model read the stored story: a longer prompt than the same request without it.
            let bare = #"{"structured_context": {}, "raterName": "Pacing editor", "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            #expect(try await server.send(.POST, "/api/v1/rater-feedback", json: bare).status == .ok)
            let prompts = model.observed.prompts
            #expect(prompts.count == 3)
            #expect(prompts[0].count > prompts[2].count + 20)

            let answers = try await Self.decode(try await server.get("/api/v1/stories/\(story.id)/answers"), as: StoredAnswerList.self)
            #expect(answers.answers.count == 2)
            #expect(Set(answers.answers.map(\.chapter)) == [1, 2])
            #expect(answers.answers.allSatisfy { $0.rater == "Pacing editor" && $0.version == 1 && $0.operation == "rater-feedback" })
            #expect(answers.answers.allSatisfy { $0.request["structured_context"] == nil && $0.request["plotPoint"]?.stringValue == "Mara crosses." })
            let second = try await Self.decode(try await server.get("/api/v1/stories/\(story.id)/answers?chapter=2&rater=Pacing%20editor"), as: StoredAnswerList.self)
            #expect(second.answers.count == 1)
            let plussed = try await Self.decode(try await server.get("/api/v1/stories/\(story.id)/answers?chapter=2&rater=Pacing+editor"), as: StoredAnswerList.self)
            #expect(plussed.answers.map(\.id) == second.answers.map(\.id))
            #expect(second.answers.first?.result["feedback"]?["opinion"]?.stringValue == result.feedback.opinion)

            // Both story sources at once, an unknown story, and a mistyped id are refused.
            let both = #"{"storyId": "\#(story.id)", "structured_context": {}, "raterPrompt": "J.", "plotPoint": "P."}"#
            let bothResponse = try await server.send(.POST, "/api/v1/rater-feedback", json: both)
            #expect(bothResponse.status == .unprocessableEntity)
            #expect(try await Self.decode(bothResponse, as: ValidationErrorResponse.self).detail.first?.loc == ["body", "structured_context"])
            let unknown = #"{"storyId": "\#(UUID().uuidString)", "raterPrompt": "J.", "plotPoint": "P."}"#
            #expect(try await server.send(.POST, "/api/v1/rater-feedback/stream", json: unknown).status == .notFound)
            let mistyped = #"{"storyId": 12, "raterPrompt": "J.", "plotPoint": "P."}"#
            let mistypedResponse = try await server.send(.POST, "/api/v1/rater-feedback", json: mistyped)
            #expect(try await Self.decode(mistypedResponse, as: ValidationErrorResponse.self).detail.first?.loc == ["body", "storyId"])
            // A character the stored story has is found in it.
            let voice = #"{"storyId": "\#(story.id)", "characterName": "mara vell", "plotPoint": "P."}"#
            // (The scripted answer is a rater's, so the operation itself then fails to parse it.)
            let status = try await server.send(.POST, "/api/v1/character-feedback", json: voice).status
            #expect(status != .unprocessableEntity && status != .notFound, "\(status)")
        }
    }

    /// Work on a stored chapter (revising, reviewing, fleshing it out) sends that chapter's text
    /// itself, so the story it reads from the library ends before it: the model would otherwise
    /// read the chapter twice, and the chapters after it as if they had come before.
    @Test func workOnAStoredChapterReadsOnlyTheChaptersBeforeIt() async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.withLibrary(host: ModelHost(.ready(model))) { server in
            let story = try await Self.decode(try await server.send(.POST, "/api/v1/stories", json: Self.story), as: StoredStory.self)
            let second = "Ivo drowned below the weir, and nobody spoke of it."
            let bodies = [
                ("modify-chapter", #""currentChapter": "\#(second)", "userRequest": "Make it colder.""#),
                ("editor-review", #""chapterToReview": "\#(second)""#),
                ("flesh-out", #""textToFleshOut": "nobody spoke of it""#),
            ]
            for (operation, fields) in bodies {
                // The scripted answer is a rater's, so the operation may then fail to parse it:
                // only what the model was given matters here.
                for chapter in ["", #", "chapter": 2"#, #", "chapter": 1"#] {
                    _ = try await server.send(.POST, "/api/v1/\(operation)", json: #"{"storyId": "\#(story.id)"\#(chapter), \#(fields)}"#)
                }
                let prompts = model.observed.prompts.suffix(3).map(\.count)
                #expect(prompts.count == 3)
                let (whole, beforeSecond, beforeFirst) = (prompts[0], prompts[1], prompts[2])
                // Chapter 2 is its heading and ten words; chapter 1 its heading and seven.
                #expect(whole - beforeSecond >= 13, "\(operation): \(prompts)")
                #expect(beforeSecond - beforeFirst >= 10, "\(operation): \(prompts)")
            }
            // A rater's feedback on a chapter still reads the whole story.
            let rater = #"{"storyId": "\#(story.id)", "chapter": 1, "raterPrompt": "Judge.", "plotPoint": "Mara crosses."}"#
            let unchaptered = rater.replacingOccurrences(of: #", "chapter": 1"#, with: "")
            _ = try await server.send(.POST, "/api/v1/rater-feedback", json: rater)
            _ = try await server.send(.POST, "/api/v1/rater-feedback", json: unchaptered)
            let raterPrompts = model.observed.prompts.suffix(2).map(\.count)
            #expect(raterPrompts.first == raterPrompts.last)
        }
    }
}

/// The library with the real model: an operation on a stored story reads it and keeps the answer.
@Suite struct LibraryRealModelTests {
    @Test func aRaterOnAStoredStoryIsAnsweredByTheRealModelAndKept() async throws {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let configuration = ServerConfiguration(pipeline: .init(sampling: SamplingParameters(temperature: 0, maxTokens: 120, seed: 3)))
        try await TestServer.withLibrary(host: host, configuration: configuration) { server in
            let story = try await LibraryEndpointTests.decode(
                try await server.send(.POST, "/api/v1/stories", json: LibraryEndpointTests.story), as: StoredStory.self)
            let body = #"{"storyId": "\#(story.id)", "chapter": 2, "raterName": "Continuity", "raterPrompt": "You are a continuity editor.", "plotPoint": "Mara crosses the bridge at night."}"#
            let response = try await server.send(.POST, "/api/v1/rater-feedback/stream", json: body)
            #expect(response.status == .ok)
            let text = String(decoding: try await response.bodyData(), as: UTF8.self)
            let result = try #require(text.split(separator: "\n").first { $0.contains("\"type\":\"result\"") })
            let event = try JSONDecoder().decode(StreamEvent.self, from: Data(result.dropFirst("data: ".count).utf8))
            guard case .result(let feedback) = event else { Issue.record("no result"); return }
            // The stored story was read: its prompt is longer than the request's own text.
            #expect((feedback.contextMetadata.promptTokens ?? 0) > 60)
            let answers = try await LibraryEndpointTests.decode(
                try await server.get("/api/v1/stories/\(story.id)/answers"), as: StoredAnswerList.self)
            let kept = try #require(answers.answers.first)
            #expect(answers.answers.count == 1)
            #expect(kept.model == feedback.contextMetadata.model)
            #expect(kept.chapter == 2 && kept.rater == "Continuity" && kept.version == 1)
            #expect(kept.result["feedback"]?["opinion"]?.stringValue == feedback.feedback.opinion)
        }
    }
}

/// Counts calls from any task.
final class Attempts: Sendable {
    private let count = Mutex(0)

    func next() -> Int {
        count.withLock { $0 += 1; return $0 }
    }
}
