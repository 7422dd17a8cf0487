import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEventDecoding
import Testing
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import LlamaEngine
import WriterAssistantTestSupport

/// The server end to end: real sockets, the real default model.
@Suite(.serialized) struct RealModelTests {
    /// What an answer keeps once repeated suggestions are dropped: at least one, at most six.
    static let keptSuggestions = 1...AnswerFormat.suggestionRange.upperBound

    static let story = RaterFeedbackRequest(
        raterPrompt: "You are a story critic. Evaluate this plot point.",
        plotPoint: "The hero discovers a hidden door in the basement.",
        raterName: "Critic",
        structuredContext: StructuredContext(
            systemPrompts: SystemPrompts(mainPrefix: "You are a helpful assistant.", mainSuffix: "Be creative and engaging."),
            worldbuilding: Worldbuilding(content: "A fantasy world with magic.", wordCount: 5),
            storySummary: StorySummary(summary: "A hero's journey begins.", wordCount: 4),
            previousChapters: [Chapter(number: 1, title: "The Farm", content: "Ari grew up on a quiet farm at the edge of the forest.")],
            characters: [StoryCharacter(name: "Ari", basicBio: "A curious farm girl.", personality: "Brave, stubborn")],
            plotContext: PlotContext(plotPoint: "The hero discovers a hidden door in the basement.",
                                     plotOutline: "Hero finds door, explores, finds treasure.", plotOutlineStatus: "draft")))

    static func withRealServer<T: Sendable>(
        sampling: SamplingParameters = SamplingParameters(temperature: 0, maxTokens: 600),
        summaryShare: Double = PromptAssembler.defaultSummaryShare,
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let configuration = ServerConfiguration(pipeline: .init(sampling: sampling, summaryShare: summaryShare))
        return try await TestServer.with(host: host, configuration: configuration, body)
    }

    /// The grammar reached the engine: the answer as the model wrote it (the streamed tokens) has
    /// as many suggestions as the server asks for at this budget, and those kept are among them.
    @Test func theAnswerAsWrittenHasTheSuggestionsAskedFor() async throws {
        let sampling = SamplingParameters(temperature: 0, maxTokens: 600)
        try await Self.withRealServer(sampling: sampling) { server in
            let (response, events) = try await server.stream(Self.story, query: "?tokens=true")
            #expect(response.status == .ok)
            let tokens = events.compactMap { if case .token(let text) = $0.event { text } else { nil } }
            guard case .result(let result) = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
            try Self.expectWrittenAsAskedFor(tokens: tokens, kept: result.feedback, maxTokens: sampling.maxTokens)
        }
    }

    /// The answer as the model wrote it (`tokens`, streamed) has as many suggestions as the
    /// grammar or schema asks for at `maxTokens`, and those `kept` in the result are among them.
    static func expectWrittenAsAskedFor(tokens: [String], kept: RaterFeedback, maxTokens: Int) throws {
        let written = try FeedbackParser.parse(tokens.joined())
        #expect(AnswerFormat.writtenSuggestions(maxTokens: maxTokens).contains(written.suggestions.count))
        #expect(Set(kept.suggestions).isSubset(of: written.suggestions))
    }

    @Test func streamsEveryPhaseAndAModelWrittenResult() async throws {
        try await Self.withRealServer { server in
            let started = ContinuousClock.now
            let (response, events) = try await server.stream(Self.story)
            #expect(response.status == .ok)
            #expect(events.compactMap(\.event.phase) == FeedbackPhase.allCases)
            let progress = events.compactMap { if case .status(_, _, let progress, _) = $0.event { progress } else { nil } }
            #expect(progress == progress.sorted())
            guard case .result(let result) = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
            #expect(result.raterName == "Critic")
            #expect(!result.feedback.opinion.isEmpty)
            // Repeated suggestions are dropped, so how many are kept depends on what the model
            // repeats (and so on the machine's arithmetic); `theAnswerAsWrittenHasTheSuggestionsAskedFor`
            // checks the count the model must write.
            #expect(Self.keptSuggestions.contains(result.feedback.suggestions.count))
            let metadata = result.contextMetadata
            #expect(metadata.model == "SmolLM2-135M-Instruct.Q4_1.gguf")
            #expect((metadata.promptTokens ?? 0) > 100)
            #expect((metadata.completionTokens ?? 0) > 5)
            #expect(metadata.tokens == metadata.promptTokens! + metadata.completionTokens!)
            #expect(metadata.processingTime > 0 && metadata.processingTime <= (ContinuousClock.now - started).inSeconds)

            // The first event reached the client long before the model finished.
            let first = try #require(events.first)
            let generating = try #require(events.first { $0.event.phase == .generatingFeedback })
            let parsing = try #require(events.first { $0.event.phase == .parsing })
            #expect(first.arrived < generating.arrived)
            #expect(parsing.arrived - generating.arrived > .milliseconds(50))
        }
    }

    @Test func theSynchronousEndpointReturnsTheSameStructure() async throws {
        try await Self.withRealServer { server in
            let response = try await server.post("/api/v1/rater-feedback", json: Self.story)
            #expect(response.status == .ok)
            let result = try await response.decode(RaterFeedbackResult.self)
            #expect(result.raterName == "Critic")
            #expect(!result.feedback.opinion.isEmpty && !result.feedback.suggestions.isEmpty)
            #expect(result.contextMetadata.tokens > 0)
        }
    }

    @Test func liveTokensSpellTheAnswer() async throws {
        try await Self.withRealServer { server in
            let (_, events) = try await server.stream(Self.story, query: "?tokens=true")
            let text = events.compactMap { if case .token(let text) = $0.event { text } else { nil } }.joined()
            guard case .result(let result) = events.last?.event else { Issue.record("no result: \(events.suffix(3).map(\.event)) \(text)"); return }
            // The result is the streamed answer, less any suggestion that repeated an earlier one.
            let written = try FeedbackParser.parse(text)
            #expect(written.opinion == result.feedback.opinion)
            #expect(result.feedback.suggestions.allSatisfy(written.suggestions.contains))
        }
    }

    @Test func anySplitOfTheByteStreamParsesToTheSameEvents() async throws {
        try await Self.withRealServer(sampling: SamplingParameters(temperature: 0, maxTokens: 200)) { server in
            let response = try await server.post("/api/v1/rater-feedback/stream?tokens=true", json: Self.story)
            let bytes = Array(try await response.bodyData())
            var whole = ServerSentEventDecoder()
            let expected = whole.feed(bytes)
            #expect(expected.count > 6)
            #expect(expected.allSatisfy { (try? JSONDecoder().decode(StreamEvent.self, from: Data($0.data.utf8))) != nil })
            for split in 0...bytes.count {
                var parser = ServerSentEventDecoder()
                let events = parser.feed(bytes[..<split]) + parser.feed(bytes[split...])
                #expect(events == expected, "split at \(split)")
                if events != expected { break }
            }
            var byteByByte = ServerSentEventDecoder()
            #expect(bytes.flatMap { byteByByte.feed([$0]) } == expected)
        }
    }

    @Test func aDisconnectStopsGenerationAndFreesItsSlot() async throws {
        let engine = try await TestModel.shared()
        try await Self.withRealServer(sampling: SamplingParameters(temperature: 0.8, maxTokens: 600, seed: 11)) { server in
            let leaving = Task {
                let response = try await server.post("/api/v1/rater-feedback/stream?tokens=true", json: Self.story)
                var decoder = ServerSentEventDecoder()
                var tokens = 0
                for try await chunk in response.body {
                    tokens += decoder.feed(chunk.readableBytesView).filter { $0.data.contains(#""type":"token""#) }.count
                    if tokens >= 2 { return engine.runningGenerations }
                }
                return 0
            }
            #expect(try await leaving.value == 1)
            let left = ContinuousClock.now
            while engine.runningGenerations > 0, ContinuousClock.now - left < .seconds(2) {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(engine.runningGenerations == 0)
            // Measured from the client's side, the slot was free long before 600 tokens.
            #expect(ContinuousClock.now - left < .milliseconds(500))
        }
    }

    @Test func concurrentRequestsAllComplete() async throws {
        try await Self.withRealServer(sampling: SamplingParameters(temperature: 0.7, maxTokens: 250, seed: 5)) { server in
            let raters = ["pacing", "character", "dialogue"]
            let results = try await withThrowingTaskGroup(of: StreamEvent?.self) { group in
                for rater in raters {
                    var request = Self.story
                    request.raterName = rater
                    request.raterPrompt = "You are a critic of \(rater)."
                    group.addTask { try await server.stream(request).1.last?.event }
                }
                var results: [StreamEvent?] = []
                for try await result in group { results.append(result) }
                return results
            }
            let names = results.compactMap { if case .result(let result) = $0 { result.raterName } else { nil } }
            #expect(names.sorted() == raters.sorted())
            // Health answered while they ran? It must answer now, at least.
            #expect(try await server.get("/health").status == .ok)
        }
    }

    @Test func healthAnswersPromptlyWhileTheModelWorks() async throws {
        try await Self.withRealServer(sampling: SamplingParameters(temperature: 0.8, maxTokens: 400, seed: 9)) { server in
            async let stream = server.stream(Self.story)
            var busy: [String: Any]?
            var slowest = Duration.zero
            let deadline = ContinuousClock.now + .seconds(10)
            while busy == nil, ContinuousClock.now < deadline {
                let asked = ContinuousClock.now
                let health = try await server.get("/health")
                slowest = max(slowest, ContinuousClock.now - asked)
                #expect(health.status == .ok)
                let body = try JSONSerialization.jsonObject(with: try await health.bodyData()) as? [String: Any]
                if body?["active_requests"] as? Int == 1 { busy = body }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(busy?["queued_requests"] as? Int == 0)
            #expect(slowest < .milliseconds(500))
            let (_, events) = try await stream
            #expect(events.last.map { if case .result = $0.event { true } else { false } } == true)
        }
    }

    @Test func overloadIsRefusedAtOnceAndTheServerRecovers() async throws {
        let engine = try await LlamaEngine.load(TestModel.configuration(parallel: 1, maxQueuedRequests: 1))
        defer { engine.shutdown() }
        let configuration = ServerConfiguration(pipeline: .init(sampling: SamplingParameters(temperature: 0.7, maxTokens: 150, seed: 3)))
        try await TestServer.with(host: ModelHost(.ready(engine)), configuration: configuration) { server in
            let running = Task { try await server.stream(Self.story).1 }
            try await Task.sleep(for: .milliseconds(150))
            let waiting = Task { try await server.stream(Self.story).1 }
            try await Task.sleep(for: .milliseconds(150))

            let asked = ContinuousClock.now
            let (_, refused) = try await server.stream(Self.story)
            #expect(ContinuousClock.now - asked < .seconds(1))
            guard case .error(_, let code) = refused.last?.event else { Issue.record("\(refused.map(\.event))"); return }
            #expect(code == .serverBusy)
            let synchronous = try await server.post("/api/v1/rater-feedback", json: Self.story)
            #expect(synchronous.status.code == 503)
            #expect(synchronous.headers.first(name: "retry-after") != nil)
            #expect(try await synchronous.decode(ErrorResponse.self).errorCode == .serverBusy)

            for events in [try await running.value, try await waiting.value] {
                #expect(events.last.map { if case .result = $0.event { true } else { false } } == true)
            }
            #expect(try await server.post("/api/v1/rater-feedback", json: Self.story).status == .ok)
        }
    }

    @Test func theAPIDocumentsOwnJavaScriptClientWorks() async throws {
        try await Self.withRealServer { server in
            let script = PackagePaths.file("Tests/WriterAssistantHTTPTests/Fixtures/spec-client.mjs").path
            let requestJSON = String(decoding: try JSONEncoder().encode(Self.story), as: UTF8.self)
            let output = try await runProcess("/usr/bin/env", ["node", script, server.baseURL, requestJSON])
            #expect(output.status == 0, "\(output.stderr)")
            let phases = output.stdout.split(separator: "\n").filter { $0.hasPrefix("Phase: ") }
            #expect(phases.count == 5)
            #expect(phases.first?.contains("context_processing, Progress: 20%") == true)
            let result = try #require(output.stdout.split(separator: "\n").first { $0.hasPrefix("RESULT ") })
            let data = try JSONDecoder().decode(RaterFeedbackResult.self, from: Data(result.dropFirst(7).utf8))
            #expect(data.raterName == "Critic")
        }
    }
}

struct ProcessOutput: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion off the cooperative pool.
func runProcess(_ executable: String, _ arguments: [String]) async throws -> ProcessOutput {
    try await withCheckedThrowingContinuation { continuation in
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.terminationHandler = { process in
            continuation.resume(returning: ProcessOutput(
                status: process.terminationStatus,
                stdout: String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                stderr: String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)))
        }
        do {
            try process.run()
        } catch {
            continuation.resume(throwing: error)
        }
    }
}
