import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// The preview lays out the prompt exactly as a run gives it to the model, and marks what a run
/// leaves out.
@Suite struct PromptPreviewTests {
    static func pipeline(_ model: ScriptedModel, maxTokens: Int = 100) -> OperationPipeline {
        OperationPipeline(host: ModelHost(.ready(model)), configuration: .init(sampling: SamplingParameters(maxTokens: maxTokens)))
    }

    @Test func aStoryThatFitsIsReadWholeInTheOrderOfThePrompt() async throws {
        let model = ScriptedModel(script: .wellFormed())
        let request = PromptAssemblerTests.request(chapters: 3, chapterWords: 50)
        let preview = try await Self.pipeline(model).preview(request)

        #expect(preview.sections.map(\.kind) == [
            .preamble, .worldbuilding, .characters, .chapter, .chapter, .chapter, .storySummary, .plotOutline, .request, .request,
            .instructions,
        ])
        #expect(preview.sections.compactMap(\.chapter) == [1, 2, 3])
        #expect(preview.sections.allSatisfy { $0.treatment == .whole && $0.text != nil })
        // The sections are the prompt: the system message, then the user message part by part.
        let messages = StoryPrompt(request).messages()
        #expect(preview.sections[0].text == messages[0].content)
        #expect(preview.sections.dropFirst().compactMap(\.text).joined(separator: "\n\n") == messages[1].content)
        #expect(preview.sections.allSatisfy { $0.tokens == model.words($0.text ?? "").count })
        #expect(preview.promptTokens == (try await model.prepare(messages)).tokenCount)
        #expect(preview.budget == 4096 - 100)
        #expect(preview.model == "scripted-model" && preview.tokenCountsEstimated == nil)
    }

    @Test func chaptersLeftOutAreTheOnesARunLeavesOutWithTheTokensTheyWouldTake() async throws {
        // Five chapters of about 200 words in a window that holds about three.
        let model = ScriptedModel(script: .wellFormed(), contextLength: 900)
        let request = PromptAssemblerTests.request(chapters: 5, chapterWords: 200)
        let pipeline = Self.pipeline(model)
        let preview = try await pipeline.preview(request)

        let omitted = preview.sections.filter { $0.treatment == .omitted }
        #expect(omitted.map(\.kind).allSatisfy { $0 == .chapter })
        #expect(!omitted.isEmpty && omitted.count < 5)
        #expect(omitted.compactMap(\.chapter) == Array(1...omitted.count), "the oldest first")
        #expect(omitted.allSatisfy { $0.text == nil && $0.tokens > 200 })
        #expect(preview.promptTokens <= preview.budget)

        let result = try await pipeline.result(for: request)
        #expect(result.contextMetadata.omittedContext == omitted.compactMap(\.chapter).map { "chapter \($0)" })
        #expect(result.contextMetadata.promptTokens == preview.promptTokens)
    }

    @Test func aRequestThatCannotFitFailsAsTheOperationWould() async throws {
        let model = ScriptedModel(script: .wellFormed(), contextLength: 150)
        var request = PromptAssemblerTests.request(chapters: 1)
        request.plotPoint = PromptAssemblerTests.words(300)
        await #expect(throws: OperationFailure.self) { try await Self.pipeline(model).preview(request) }
        do {
            _ = try await Self.pipeline(model).preview(request)
        } catch let failure as OperationFailure {
            #expect(failure.code == .contextProcessingError)
        }
    }

    @Test func nothingIsGenerated() async throws {
        let model = ScriptedModel(script: .wellFormed())
        _ = try await Self.pipeline(model).preview(PromptAssemblerTests.request())
        #expect(model.observed.started == 0)
    }

    @Test func withoutAModelThePreviewSaysSo() async throws {
        let pipeline = OperationPipeline(host: ModelHost(.notConfigured))
        do {
            _ = try await pipeline.preview(PromptAssemblerTests.request())
            Issue.record("a preview without a model")
        } catch let failure as OperationFailure {
            #expect(failure.code == .llmNotAvailable)
        }
        do {
            _ = try await pipeline.countTokens(TokenCountRequest(texts: ["a"]))
            Issue.record("counts without a model")
        } catch let failure as OperationFailure {
            #expect(failure.code == .llmNotAvailable)
        }
    }

    @Test func tokensAreCountedPerTextInOrder() async throws {
        let model = ScriptedModel(script: .wellFormed())
        let result = try await Self.pipeline(model).countTokens(TokenCountRequest(texts: ["one two three", "", "four"]))
        #expect(result.counts == [3, 0, 1])
        #expect(result.model == "scripted-model")
    }

    @Test func countRequestsAreBounded() {
        #expect(TokenCountRequest(texts: []).validate().map(\.type) == ["too_short"])
        #expect(TokenCountRequest(texts: Array(repeating: "a", count: TokenCountRequest.maxTexts)).validate().isEmpty)
        #expect(TokenCountRequest(texts: Array(repeating: "a", count: TokenCountRequest.maxTexts + 1)).validate().map(\.type) == ["too_long"])
    }
}
