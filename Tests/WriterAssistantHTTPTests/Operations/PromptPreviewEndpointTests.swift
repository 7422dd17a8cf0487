import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import MeasurementSupport
import Testing
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport

/// `POST /api/v1/<operation>/preview` and `POST /api/v1/tokens` over real sockets.
@Suite(.serialized) struct PromptPreviewEndpointTests {
    /// A story of twelve long chapters: more than the default model's 4,096-token window holds.
    /// Chapter 2 alone says where the door is.
    static let longStory: RaterFeedbackRequest = {
        var request = RealModelTests.story
        request.structuredContext?.previousChapters = (1...12).map { number in
            let days = Array(repeating: "On day \(number) Ari walked the long road past the mill and counted the crows on the fence.", count: 30)
                .joined(separator: " ")
            let planted = number == 2 ? "\n\nBehind the coal in the basement, Ari's grandmother had bricked up a hidden door." : ""
            return Chapter(number: number, title: "Day \(number)", content: days + planted)
        }
        return request
    }()

    /// With the real model, the preview leaves out what the run leaves out and counts the prompt
    /// the run counts, token for token; every part it shows is in the prompt the model read.
    @Test func thePreviewIsThePromptTheRealModelReads() async throws {
        // Without summaries, which, written between the preview and the run, would change the prompt.
        let sampling = SamplingParameters(temperature: 0, maxTokens: 200)
        try await RealModelTests.withRealServer(sampling: sampling, summaryShare: 0) { server in
            let response = try await server.post("/api/v1/rater-feedback/preview", json: Self.longStory)
            #expect(response.status == .ok)
            let preview = try await response.decode(PromptPreview.self)
            #expect(preview.model == "SmolLM2-135M-Instruct.Q4_1.gguf")
            #expect(preview.budget == 4096 - 200)
            #expect(preview.promptTokens <= preview.budget && preview.promptTokens > preview.budget / 2)
            let omitted = preview.sections.filter { $0.treatment == .omitted }
            #expect(!omitted.isEmpty && omitted.count < 12)
            // The chapters left out are the oldest; chapter 2's passage on the hidden door is read.
            let quoted = preview.sections.filter { $0.treatment == .quoted }
            #expect(quoted.map(\.chapter) == [2])
            #expect(quoted.first?.text?.contains("bricked up a hidden door") == true)
            let leftOut = (omitted + quoted).compactMap(\.chapter).sorted()
            #expect(leftOut == Array(1...leftOut.count))
            #expect(preview.sections.first?.kind == .preamble && preview.sections.last?.kind == .instructions)
            // The parts read add up to the prompt, less what the chat template adds around them.
            let read = preview.sections.filter { $0.treatment != .omitted }.map(\.tokens).reduce(0, +)
            #expect(read <= preview.promptTokens && preview.promptTokens - read < 40, "\(read) of \(preview.promptTokens)")

            let run = try await server.post("/api/v1/rater-feedback", json: Self.longStory)
            #expect(run.status == .ok)
            let metadata = try await run.decode(RaterFeedbackResult.self).contextMetadata
            #expect(metadata.omittedContext == leftOut.map { "chapter \($0)" })
            #expect(metadata.quotedContext?.map(\.chapter) == [2])
            #expect(metadata.promptTokens == preview.promptTokens)

            // A section's count is the count of its text on its own.
            let chapter = try #require(preview.sections.first { $0.kind == .chapter && $0.treatment == .whole })
            let counted = try await server.post("/api/v1/tokens", json: TokenCountRequest(texts: [chapter.text ?? "", "Ari"]))
            #expect(counted.status == .ok)
            let counts = try await counted.decode(TokenCountResult.self)
            #expect(counts.counts.first == chapter.tokens)
            #expect(counts.counts.count == 2 && (1...3).contains(counts.counts[1]))
            #expect(counts.model == "SmolLM2-135M-Instruct.Q4_1.gguf" && counts.tokenCountsEstimated == nil)
        }
    }

    /// With the real model: a novel's chapters left out are summarised in the background, and a
    /// later request reads the summaries in their chapters' place and says so.
    @Test func chaptersLeftOutAreSummarisedInTheBackgroundThenRead() async throws {
        let novel = LongNovelCorpus(novels: 1, chapters: 10).novels[0]
        let request = RaterFeedbackRequest(
            raterPrompt: "You check continuity.", plotPoint: "The ferry does not run tonight.", structuredContext: novel.context)
        try await RealModelTests.withRealServer(sampling: SamplingParameters(temperature: 0, maxTokens: 200)) { server in
            let first = try await server.post("/api/v1/rater-feedback/preview", json: request).decode(PromptPreview.self)
            let omitted = first.sections.filter { $0.kind == .chapter && $0.treatment == .omitted }.compactMap(\.chapter)
            #expect(!omitted.isEmpty && !first.sections.contains { $0.treatment == .summary })
            #expect(first.summariesPending?.contains(1) == true, "\(String(describing: first.summariesPending))")

            // The model writes them one at a time while it has nothing else to do; one that fails
            // (the small model looping) is tried again, sampled, after 30 seconds.
            var preview = first
            let deadline = ContinuousClock.now + .seconds(240)
            while !preview.sections.contains(where: { $0.treatment == .summary }), .now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                preview = try await server.post("/api/v1/rater-feedback/preview", json: request).decode(PromptPreview.self)
            }
            let summaries = preview.sections.filter { $0.treatment == .summary }
            let numbers = summaries.compactMap(\.chapter)
            #expect(numbers.first == 1 && numbers == Array(1...max(numbers.count, 1)), "oldest first: \(numbers)")
            for summary in summaries {
                let number = summary.chapter ?? 0
                let heading = "# Chapter \(number): \(novel.context.previousChapters?[number - 1].title ?? "") (summary)\n"
                #expect(summary.text?.hasPrefix(heading) == true, "\(summary.text ?? "")")
                #expect((summary.text?.count ?? 0) > heading.count + 20 && summary.tokens < 300)
            }
            // In the chapters' place: after the lasting parts, before the chapters read whole.
            let kinds = preview.sections.map { "\($0.kind.rawValue) \($0.treatment.rawValue)" }
            let lastSummary = try #require(kinds.lastIndex(of: "chapter summary"))
            let firstWhole = try #require(kinds.firstIndex(of: "chapter whole"))
            #expect(lastSummary < firstWhole)
            #expect(preview.promptTokens <= preview.budget)

            let run = try await server.post("/api/v1/rater-feedback", json: request)
            #expect(run.status == .ok)
            let metadata = try await run.decode(RaterFeedbackResult.self).contextMetadata
            let read = try #require(metadata.summarisedContext)
            #expect(read.first == 1 && read.allSatisfy { metadata.omittedContext?.contains("chapter \($0)") == true })
        }
    }

    /// Every operation has a preview, which generates nothing and answers what the operation
    /// would refuse as it refuses it.
    @Test func everyOperationPreviewsAndRefusesAsItWould() async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            for operation in [OperationSamples.raterFeedback] + OperationSamples.newOperations {
                let name = type(of: operation).operationName
                let response = try await server.post("/api/v1/\(name)/preview", body: .init(bytes: try JSONEncoder().encode(operation)))
                #expect(response.status == .ok, "\(name)")
                let preview = try await response.decode(PromptPreview.self)
                #expect(preview.sections.contains { $0.kind == .request }, "\(name)")
            }
            #expect(model.observed.started == 0)
            let invalid = try await server.post("/api/v1/editor-review/preview", raw: #"{"structured_context": {}}"#)
            #expect(invalid.status == .unprocessableEntity)
            #expect(try await server.post("/api/v1/tokens", raw: #"{"texts": []}"#).status == .unprocessableEntity)
            let many = try JSONEncoder().encode(TokenCountRequest(texts: Array(repeating: "a", count: TokenCountRequest.maxTexts + 1)))
            #expect(try await server.post("/api/v1/tokens", body: .init(bytes: many)).status == .unprocessableEntity)
        }
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let preview = try await server.post("/api/v1/rater-feedback/preview", json: RealModelTests.story)
            #expect(preview.status == .serviceUnavailable)
            let counts = try await server.post("/api/v1/tokens", json: TokenCountRequest(texts: ["a"]))
            #expect(counts.status == .serviceUnavailable)
        }
    }

    /// A stored story is previewed as the operation would read it, and nothing is kept in its
    /// history; the Swift client asks for both.
    @Test func aStoredStoryIsPreviewedWithoutAnAnswerKept() async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.withLibrary(host: ModelHost(.ready(model))) { server in
            let story = try await LibraryEndpointTests.decode(
                try await server.send(.POST, "/api/v1/stories", json: LibraryEndpointTests.story), as: StoredStory.self)
            let client = WriterAssistantClient(baseURL: server.baseURL)
            let rater = RaterFeedbackRequest(raterPrompt: "Judge the pacing.", plotPoint: "Mara crosses the bridge.")
            let whole = try await client.preview(rater, on: StoryReference(storyId: story.id, chapter: 2))
            #expect(whole.sections.compactMap(\.chapter) == [1, 2])
            // A review of chapter 2 reads the chapters before it, as the review itself would.
            let review = EditorReviewRequest(chapterToReview: "Ivo drowned below the weir.")
            let preview = try await client.preview(review, on: StoryReference(storyId: story.id, chapter: 2))
            #expect(preview.sections.compactMap(\.chapter) == [1])
            #expect(preview.sections.contains { $0.text?.contains("Mara found the letter inside the lantern.") == true })
            // Only the run that follows the previews is kept.
            _ = try await client.perform(rater, on: StoryReference(storyId: story.id, chapter: 2))
            let answers = try await LibraryEndpointTests.decode(
                try await server.get("/api/v1/stories/\(story.id)/answers"), as: StoredAnswerList.self)
            #expect(answers.answers.map(\.operation) == ["rater-feedback"])
            let counts = try await client.countTokens(["Mara found the letter.", ""])
            #expect(counts.counts == [4, 0])
        }
    }
}
