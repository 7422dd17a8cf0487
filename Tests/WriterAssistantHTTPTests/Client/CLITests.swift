import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import WriterAssistantTestSupport

/// The `writer-assistant` client subcommands, run as processes against a live server.
@Suite(.serialized) struct CLITests {
    /// Built next to the test bundle by `swift build --build-tests`.
    static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("writer-assistant").path

    static func example(_ name: String) -> String {
        PackagePaths.example(name).path
    }

    static func run(_ arguments: [String]) async throws -> ProcessOutput {
        try await runProcess(executable, arguments)
    }

    /// Settings that cannot work are refused at startup with every reason, not found out by a
    /// crash or by every request failing.
    @Test(arguments: [
        (["--context-size=-5"], "--context-size must be positive"),
        (["--max-tokens", "4096", "--context-size", "4096"], "--max-tokens (4096) must be less than --context-size (4096)"),
        (["--top-p", "0"], "--top-p must be above 0"),
        (["--max-queue=-1", "--dry-base", "0.5"], "--dry-base must be at least 1"),
    ])
    func settingsThatCannotWorkAreRefusedAtStartup(_ arguments: [String], message: String) async throws {
        let output = try await Self.run(["serve", "--model-path", TestModel.path, "--port", "0"] + arguments)
        #expect(output.status == 2)
        #expect(output.stderr.contains(message), "\(output.stderr)")
    }

    @Test func feedbackAsJSONPrintsTheResultObject() async throws {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let configuration = ServerConfiguration(pipeline: .init(sampling: SamplingParameters(temperature: 0.7, maxTokens: 300, seed: 8)))
        try await TestServer.with(host: host, configuration: configuration) { server in
            let output = try await Self.run([
                "feedback", "--server", server.baseURL, "--rater", "You are a story critic.", "--rater-name", "Critic",
                "--plot", "Ari discovers a hidden door in the basement.", "--story", Self.example("story.json"), "--json",
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let result = try JSONDecoder().decode(RaterFeedbackResult.self, from: Data(output.stdout.utf8))
            #expect(result.raterName == "Critic")
            #expect(!result.feedback.suggestions.isEmpty)
        }
    }

    @Test func feedbackShowsPhasesThenNumberedSuggestions() async throws {
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed())))) { server in
            let output = try await Self.run(["feedback", "--server", server.baseURL, "--rater", "Critic", "--plot", "A door."])
            #expect(output.status == 0, "\(output.stderr)")
            // Not a terminal: a plain log, one line per phase.
            for phase in FeedbackPhase.allCases { #expect(output.stderr.contains(phase.rawValue)) }
            #expect(output.stdout.contains("1. Describe the door's carvings"))
            #expect(output.stdout.contains("3. Let the basement smell of rain"))
        }
    }

    @Test func panelRunsEveryRater() async throws {
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed())))) { server in
            let output = try await Self.run([
                "panel", "--server", server.baseURL, "--raters", Self.example("raters.json"),
                "--plot", "A door.", "--story", Self.example("story.json"), "--json",
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let results = try JSONDecoder().decode([RaterFeedbackResult].self, from: Data(output.stdout.utf8))
            #expect(results.map(\.raterName) == ["Pacing", "Character", "Genre reader", "Dialogue"])
        }
    }

    @Test func aServerWithoutAModelExitsWith3AndTheCode() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            for subcommand in [["feedback", "--rater", "x"], ["panel", "--raters", Self.example("raters.json")]] {
                let output = try await Self.run(subcommand + ["--server", server.baseURL, "--plot", "y"])
                #expect(output.status == 3)
                #expect(output.stderr.contains("LLM_NOT_AVAILABLE"))
            }
        }
    }

    @Test func anUnreachableServerExitsWith4() async throws {
        let started = ContinuousClock.now
        let output = try await Self.run(["feedback", "--server", "http://127.0.0.1:1", "--rater", "x", "--plot", "y"])
        #expect(output.status == 4)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func usageErrorsExitWith2() async throws {
        #expect(try await Self.run(["feedback", "--rater", "x"]).status == 2)
        #expect(try await Self.run(["panel", "--plot", "x", "--raters", "/nonexistent.json"]).status == 2)
    }

    // MARK: The other operations

    static func scriptedServer<T: Sendable>(
        answering operation: String, _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let model = ScriptedModel(script: .init(answer: OperationSamples.answer(to: operation).chunked(into: 7)))
        return try await TestServer.with(host: ModelHost(.ready(model)), body)
    }

    static func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString).txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func reviewListsTheEditorsSuggestionsByPriority() async throws {
        let chapter = try Self.temporaryFile(OperationSamples.chapter)
        defer { try? FileManager.default.removeItem(atPath: chapter) }
        try await Self.scriptedServer(answering: "editor-review") { server in
            let output = try await Self.run(["review", "--server", server.baseURL, "--chapter", chapter])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("1. [high] 'She was scared, very scared"))
            #expect(output.stdout.contains("2. [medium] 'The door was old.' This tells"))
            for phase in FeedbackPhase.allCases { #expect(output.stderr.contains(phase.rawValue)) }
        }
    }

    @Test func chapterWriteStreamsTheProseToStandardOutput() async throws {
        try await Self.scriptedServer(answering: "generate-chapter") { server in
            let output = try await Self.run([
                "chapter", "write", "--server", server.baseURL, "--plot", "Ari opens the door.", "--words", "60",
                "--story", Self.example("story.json"),
            ])
            #expect(output.status == 0, "\(output.stderr)")
            // Piped: the chapter the server made of the answer (its title taken off), then its length.
            #expect(output.stdout.hasPrefix("Ari crept down the stairs."))
            #expect(!output.stdout.contains("Chapter 2"))
            #expect(output.stdout.contains("(16 words)"))
        }
    }

    @Test func chapterReviseAndFleshOutPrintTheirResults() async throws {
        let chapter = try Self.temporaryFile("Ari grew up on a quiet farm.")
        defer { try? FileManager.default.removeItem(atPath: chapter) }
        try await Self.scriptedServer(answering: "modify-chapter") { server in
            let output = try await Self.run([
                "chapter", "revise", "--server", server.baseURL, "--chapter", chapter, "--request", "Make it rain.", "--json",
            ])
            #expect(output.status == 0, "\(output.stderr)")
            let result = try JSONDecoder().decode(ModifyChapterResult.self, from: Data(output.stdout.utf8))
            #expect(result.changesSummary == "Rain now falls every night.")
            #expect(result.changes == nil)

            // Revise until done: the scripted check never confirms, so every round is written.
            let rounds = try await Self.run([
                "chapter", "revise", "--server", server.baseURL, "--chapter", chapter, "--request", "Make it rain.",
                "--rounds", "2", "--change", "Make it rain", "--change", "Add a dog",
            ])
            #expect(rounds.status == 0, "\(rounds.stderr)")
            // Neither round made more than the other: the writer gets the first, nearer their text.
            #expect(rounds.stdout.contains(
                "Checked after 2 rounds: 0 of 2 changes made (the revision of round 1, which made the most)\n  [missing] Make it rain\n  [missing] Add a dog"))
            #expect(rounds.stderr.contains("round 2/2 checking"))
        }
        try await Self.scriptedServer(answering: "flesh-out") { server in
            let output = try await Self.run(["chapter", "flesh-out", "--server", server.baseURL, "--passage", chapter])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("old apples"))
        }
    }

    @Test func characterVoiceAndCreate() async throws {
        try await Self.scriptedServer(answering: "character-feedback") { server in
            let output = try await Self.run([
                "character", "voice", "--server", server.baseURL, "--name", "Ari", "--plot", "A door.",
                "--story", Self.example("story.json"),
            ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("Dialog:\n- Who built you, door?"))

            // A character the story does not have is refused before any work.
            let unknown = try await Self.run([
                "character", "voice", "--server", server.baseURL, "--name", "Zed", "--plot", "A door.",
                "--story", Self.example("story.json"),
            ])
            #expect(unknown.status == 3)
            #expect(unknown.stderr.contains("characterName"))
        }
        try await Self.scriptedServer(answering: "generate-character-details") { server in
            let output = try await Self.run(["character", "create", "--server", server.baseURL, "--bio", "A smith.", "--json"])
            #expect(output.status == 0, "\(output.stderr)")
            let sheet = try JSONDecoder().decode(StoryCharacter.self, from: Data(output.stdout.utf8))
            #expect(sheet.name == "Bram" && sheet.fears == "Magic and what it did to their mother.")
        }
    }

    @Test func characterBioAndOutline() async throws {
        try await Self.scriptedServer(answering: "regenerate-bio") { server in
            let output = try await Self.run([
                "character", "bio", "--server", server.baseURL, "--name", "ari", "--words", "40", "--story", Self.example("story.json"),
            ])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("Ari\nAri is a brave, stubborn farm girl"))
            // A character the story does not have is a usage error, found before any request.
            let unknown = try await Self.run([
                "character", "bio", "--server", server.baseURL, "--name", "Zed", "--story", Self.example("story.json"),
            ])
            #expect(unknown.status == 2 && unknown.stderr.contains("Ari, Tomas"), "\(unknown.stderr)")
        }
        try await Self.scriptedServer(answering: "generate-chapter-outlines") { server in
            let output = try await Self.run(["outline", "--server", server.baseURL, "--story", Self.example("story.json"), "--json"])
            #expect(output.status == 0, "\(output.stderr)")
            let plan = try JSONDecoder().decode(GenerateChapterOutlinesResult.self, from: Data(output.stdout.utf8))
            // The example's outline is one sentence of three beats: two chapters by default.
            #expect(plan.outlines.count == 2 && plan.outlines[0].title == "The Door Below")
            #expect(plan.outlines.flatMap(\.plotPoints) == [
                "Ari finds the hidden door", "hears the forbidden song", "must choose between her father's silence and her mother's legacy.",
            ])
            // More chapters than the outline has plot points is refused by the server.
            let tooMany = try await Self.run(["outline", "--server", server.baseURL, "--story", Self.example("story.json"), "--chapters", "4"])
            #expect(tooMany.status == 3 && tooMany.stderr.contains("chapterCount"), "\(tooMany.stderr)")
        }
    }

    @Test func chatTalksWithAnAgentAndKeepsTheConversation() async throws {
        try await Self.scriptedServer(answering: "chat") { server in
            let conversation = FileManager.default.temporaryDirectory.appendingPathComponent("chat-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: conversation) }
            let arguments = ["chat", "--server", server.baseURL, "--story", Self.example("story.json"), "--agent", "character", "--character", "Ari"]
            let first = try await Self.run(arguments + ["Why do you go to the basement?", "--conversation", conversation])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("Because the door down there hums the same song"))
            #expect(!first.stdout.contains("Writer: And then?"))
            let second = try await Self.run(arguments + ["And then?", "--conversation", conversation, "--json"])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(try JSONDecoder().decode(ChatReply.self, from: Data(second.stdout.utf8)).characterName == "Ari")
            let kept = try JSONDecoder().decode([ConversationMessage].self, from: Data(contentsOf: URL(fileURLWithPath: conversation)))
            #expect(kept.map(\.role) == [.user, .assistant, .user, .assistant])
            #expect(kept.first?.content == "Why do you go to the basement?")
            // A character the story does not have is the server's refusal.
            let unknown = try await Self.run(["chat", "--server", server.baseURL, "--story", Self.example("story.json"), "--agent", "character", "--character", "Zed", "Hi"])
            #expect(unknown.status == 3 && unknown.stderr.contains("characterName"), "\(unknown.stderr)")
        }
        #expect(try await Self.run(["chat", "Hi"]).status == 2)
        #expect(try await Self.run(["chat", "Hi", "--story", Self.example("story.json"), "--agent", "poet"]).status == 2)
        #expect(try await Self.run(["chat", "Hi", "--story", Self.example("story.json"), "--continue", "talk"]).status == 2)
    }

    @Test func askAnswersFromTheLibraryAndKeepsTheConversation() async throws {
        let model = ScriptedModel(script: .init(answer: ArchiveEndpointTests.answer.chunked(into: 7)))
        try await TestServer.withLibrary(host: ModelHost(.ready(model))) { server in
            #expect(try await server.send(.POST, "/api/v1/stories", json: LibraryEndpointTests.story).status == .created)
            let conversation = FileManager.default.temporaryDirectory.appendingPathComponent("ask-\(UUID().uuidString).json").path
            defer { try? FileManager.default.removeItem(atPath: conversation) }
            let first = try await Self.run(["ask", "--server", server.baseURL, "How did Ivo die at the weir?", "--conversation", conversation])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains("He drowned below the weir."))
            #expect(first.stdout.contains(#"[1] "The Salt Road", chapter 2, paragraph 1: "Ivo drowned below the weir, and nobody spoke of it.""#))
            #expect(first.stdout.contains("1 quote was not one of the passages' sentences"))
            let second = try await Self.run(["ask", "--server", server.baseURL, "And then?", "--conversation", conversation, "--json"])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(try JSONDecoder().decode(ArchiveAnswer.self, from: Data(second.stdout.utf8)).citations.count == 1)
            let kept = try JSONDecoder().decode([ConversationMessage].self, from: Data(contentsOf: URL(fileURLWithPath: conversation)))
            #expect(kept.map(\.role) == [.user, .assistant, .user, .assistant])
            #expect(kept.map(\.content).prefix(2) == ["How did Ivo die at the weir?", "He drowned below the weir."])
        }
        #expect(try await Self.run(["ask"]).status == 2)
        #expect(try await Self.run(["ask", "Why?", "--story-id", "x"]).status == 2)
    }

    @Test func operationUsageErrorsExitWith2() async throws {
        #expect(try await Self.run(["review"]).status == 2)
        #expect(try await Self.run(["review", "--chapter", "/nonexistent.txt"]).status == 2)
        #expect(try await Self.run(["chapter", "write"]).status == 2)
        #expect(try await Self.run(["character", "voice", "--plot", "x"]).status == 2)
        #expect(try await Self.run(["outline"]).status == 2)
        #expect(try await Self.run(["character", "bio", "--name", "Ari"]).status == 2)
    }
}
