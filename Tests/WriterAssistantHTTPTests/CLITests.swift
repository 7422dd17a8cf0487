import Foundation
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

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func example(_ name: String) -> String {
        packageRoot.appendingPathComponent("examples/\(name)").path
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
}
