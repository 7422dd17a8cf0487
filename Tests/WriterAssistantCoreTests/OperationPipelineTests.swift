import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

@Suite struct OperationPipelineTests {
    static let request = RaterFeedbackRequest(
        raterPrompt: "You are a story critic.", plotPoint: "The hero discovers a hidden door.", raterName: "Critic")

    static func pipeline(
        _ model: ScriptedModel, timeout: Duration = .seconds(30)
    ) -> OperationPipeline {
        OperationPipeline(
            host: ModelHost(.ready(model)),
            configuration: .init(sampling: SamplingParameters(maxTokens: 100), generationTimeout: timeout))
    }

    static func collect(_ pipeline: OperationPipeline, options: OperationPipeline.Options = .init()) async -> [StreamEvent] {
        var events: [StreamEvent] = []
        for await event in pipeline.events(for: request, options: options) { events.append(event) }
        return events
    }

    static func phases(_ events: [StreamEvent]) -> [FeedbackPhase] {
        events.compactMap { if case .status(let phase, _, _, _) = $0 { phase } else { nil } }
    }

    static func cutOff(_ answer: String) -> ScriptedModel {
        var script = ScriptedModel.Script(answer: answer.chunked(into: 7))
        script.stopReason = .maxTokens
        return ScriptedModel(script: script)
    }

    @Test func anAnswerCutOffByTheTokenLimitKeepsItsCompleteSuggestionsAndSaysSo() async throws {
        let model = Self.cutOff(#"{"opinion": "A tense turn for the hero.", "suggestions": ["Show the key in chapter one.", "Cut the la"#)
        guard case .result(let result) = await Self.collect(Self.pipeline(model)).last else { Issue.record("no result"); return }
        #expect(result.feedback.suggestions == ["Show the key in chapter one."])
        #expect(result.contextMetadata.truncated == true)
    }

    @Test func anAnswerCutOffInsideItsOpinionIsADistinctError() async throws {
        let model = Self.cutOff(#"{"opinion": "A tense tu"#)
        guard case .error(_, let code) = await Self.collect(Self.pipeline(model)).last else { Issue.record("no error"); return }
        #expect(code == .answerTruncated)
    }

    @Test func aWholeAnswerIsNotMarkedTruncatedAndLosesItsRepeatedSuggestions() async throws {
        let answer = #"{"opinion": "A tense turn.", "suggestions": ["Show the key in chapter one.", "Show the key in chapter one again.", "Give the door a sound."]}"#
        let model = ScriptedModel(script: .init(answer: answer.chunked(into: 9)))
        guard case .result(let result) = await Self.collect(Self.pipeline(model)).last else { Issue.record("no result"); return }
        #expect(result.feedback.suggestions == ["Show the key in chapter one.", "Give the door a sound."])
        #expect(result.contextMetadata.truncated == nil)
    }

    @Test func reportsEveryPhaseInOrderThenTheResult() async throws {
        let model = ScriptedModel(script: .wellFormed())
        let events = await Self.collect(Self.pipeline(model))

        #expect(Self.phases(events) == FeedbackPhase.allCases)
        let progress = events.compactMap { if case .status(_, _, let progress, _) = $0 { progress } else { nil } }
        #expect(progress == [20, 50, 75, 90, 100])
        guard case .result(let result) = try #require(events.last) else {
            Issue.record("last event is not a result: \(events)")
            return
        }
        #expect(events.count == 6)
        #expect(result.raterName == "Critic")
        #expect(result.feedback.suggestions.count == 3)
        #expect(result.contextMetadata.model == "scripted-model")
        #expect(result.contextMetadata.promptTokens == model.observed.prompts.first?.count)
        #expect(result.contextMetadata.tokens == result.contextMetadata.promptTokens! + result.contextMetadata.completionTokens!)
        #expect(result.contextMetadata.processingTime > 0)
    }

    @Test func theModelReceivesTheGrammarConstrainedPrompt() async throws {
        let model = ScriptedModel(script: .wellFormed())
        _ = try await Self.pipeline(model).result(for: Self.request)
        #expect(model.observed.started == 1)
        #expect(model.observed.finished == 1)
        // Both forms of the shape, for whichever the engine takes.
        let suggestions = AnswerFormat.writtenSuggestions(maxTokens: 100)
        #expect(model.observed.constraints == [AnswerFormat.shape(suggestions: suggestions).constraint])
        #expect(model.observed.constraints.first??.grammar == AnswerFormat.shape(suggestions: suggestions).grammar)
        #expect(model.observed.constraints.first??.jsonSchema?.contains(#""minItems":3,"maxItems":6"#) == true)
    }

    @Test func tokensAreStreamedOnlyWhenAskedFor() async {
        let plain = await Self.collect(Self.pipeline(ScriptedModel(script: .wellFormed())))
        #expect(!plain.contains { if case .token = $0 { true } else { false } })

        let script = ScriptedModel.Script.wellFormed()
        let events = await Self.collect(Self.pipeline(ScriptedModel(script: script)), options: .init(includeTokens: true))
        let tokens = events.compactMap { if case .token(let text) = $0 { text } else { nil } }
        #expect(tokens == script.answer)
        let firstToken = events.firstIndex { if case .token = $0 { true } else { false } }
        let generating = events.firstIndex(of: .status(.generatingFeedback))
        let parsing = events.firstIndex(of: .status(.parsing))
        #expect(generating! < firstToken! && firstToken! < parsing!)
    }

    @Test func withoutAModelTheOnlyEventIsLLMNotAvailable() async {
        let pipeline = OperationPipeline(host: ModelHost(.notConfigured))
        var events: [StreamEvent] = []
        for await event in pipeline.events(for: Self.request) { events.append(event) }
        #expect(events == [.error(message: "LLM not initialized. Start server with --model-path", code: .llmNotAvailable)])
    }

    @Test func whileLoadingTheErrorIsLLMLoading() async {
        let pipeline = OperationPipeline(host: ModelHost(.loading(name: "big.gguf")))
        var events: [StreamEvent] = []
        for await event in pipeline.events(for: Self.request) { events.append(event) }
        #expect(events.count == 1)
        guard case .error(let message, let code) = events.first else { Issue.record("\(events)"); return }
        #expect(code == .llmLoading)
        #expect(message.contains("big.gguf"))
    }

    @Test func aModelFailingMidAnswerIsGenerationFailed() async {
        let script = ScriptedModel.Script(answer: ["{\"opinion\": ", "\"Goo"], failure: .evaluationFailed(status: -3), failAfterPieces: 1)
        let events = await Self.collect(Self.pipeline(ScriptedModel(script: script)))
        #expect(Self.phases(events) == [.contextProcessing, .evaluating, .generatingFeedback])
        guard case .error(let message, let code) = events.last else { Issue.record("\(events)"); return }
        #expect(code == .generationFailed)
        #expect(!message.isEmpty)
    }

    @Test func aFullQueueIsServerBusy() async {
        let script = ScriptedModel.Script(answer: [], failure: .queueFull(limit: 2))
        let events = await Self.collect(Self.pipeline(ScriptedModel(script: script)))
        #expect(events.last.map { if case .error(_, .serverBusy) = $0 { true } else { false } } == true)
    }

    @Test func aModelWithNoRoomToPrepareThePromptIsServerBusy() async {
        var script = ScriptedModel.Script.wellFormed()
        script.preparationFailure = .queueFull(limit: 0)
        let model = ScriptedModel(script: script)
        let events = await Self.collect(Self.pipeline(model))
        #expect(events.last.map { if case .error(_, .serverBusy) = $0 { true } else { false } } == true)
        #expect(model.observed.started == 0)
    }

    @Test func aSlowModelTimesOutAndIsCancelled() async {
        let model = ScriptedModel(script: .wellFormed(pieceDelay: .seconds(5)))
        let started = ContinuousClock.now
        let events = await Self.collect(Self.pipeline(model, timeout: .milliseconds(300)))
        #expect(ContinuousClock.now - started < .seconds(3))
        guard case .error(let message, let code) = events.last else { Issue.record("\(events)"); return }
        #expect(code == .generationTimeout)
        #expect(message.contains("seconds"))
        #expect(model.observed.cancelled == 1)
        #expect(model.observed.finished == 0)
    }

    @Test func unreadableOutputIsAParsingError() async {
        let model = ScriptedModel(script: .init(answer: ["I ", "have ", "no ", "opinion."]))
        let events = await Self.collect(Self.pipeline(model))
        #expect(Self.phases(events) == [.contextProcessing, .evaluating, .generatingFeedback, .parsing])
        guard case .error(_, let code) = events.last else { Issue.record("\(events)"); return }
        #expect(code == .parsingError)
    }

    @Test func aContextThatCannotFitIsAContextProcessingError() async {
        let model = ScriptedModel(script: .wellFormed(), contextLength: 50)
        let events = await Self.collect(Self.pipeline(model))
        #expect(Self.phases(events) == [.contextProcessing])
        guard case .error(_, let code) = events.last else { Issue.record("\(events)"); return }
        #expect(code == .contextProcessingError)
        #expect(model.observed.started == 0)
    }

    @Test func droppingTheStreamCancelsTheGeneration() async throws {
        let model = ScriptedModel(script: .wellFormed(pieceDelay: .seconds(10)))
        let pipeline = Self.pipeline(model)
        for await event in pipeline.events(for: Self.request) where event == .status(.evaluating) {
            break
        }
        // The run stops asynchronously after the consumer leaves.
        for _ in 0..<100 where model.observed.cancelled == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(model.observed.cancelled == 1)
        #expect(model.observed.finished == 0)
    }

    @Test func theSynchronousResultThrowsTheFailure() async {
        let pipeline = OperationPipeline(host: ModelHost(.notConfigured))
        await #expect(throws: OperationFailure.modelNotConfigured) {
            try await pipeline.result(for: Self.request)
        }
    }
}
