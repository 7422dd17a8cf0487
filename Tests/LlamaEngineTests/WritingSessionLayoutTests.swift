import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import LlamaEngine

/// A writer's next request on the same story, after adding a chapter or editing the summary,
/// outline or plot point, reads only what changed and what follows it: the chapters already read
/// come from the cache.
@Suite(.serialized) struct WritingSessionLayoutTests {
    static func chapter(_ number: Int) -> Chapter {
        let sentence = "In chapter \(number) the ferry pilot Mara crossed the grey strait again and counted the buoys. "
        return Chapter(number: number, title: "Crossing \(number)", content: String(repeating: sentence, count: 12))
    }

    static func request(chapters: Int = 3, summary: String = "Mara returns to the island.", plotPoint: String = "Mara finds the logbook.")
        -> RaterFeedbackRequest
    {
        RaterFeedbackRequest(
            raterPrompt: "You are a pacing critic.", plotPoint: plotPoint,
            structuredContext: StructuredContext(
                worldbuilding: Worldbuilding(content: "A cold northern archipelago with one lighthouse."),
                storySummary: StorySummary(summary: summary),
                previousChapters: (1...chapters).map(chapter),
                characters: [StoryCharacter(name: "Mara", basicBio: "A ferry pilot.")],
                plotContext: PlotContext(plotOutline: "Mara learns why her father stayed.")))
    }

    /// Reads `request` with the engine, writing a single token, and returns how many of its
    /// prompt tokens came from the cache.
    static func read(_ request: RaterFeedbackRequest, on engine: LlamaEngine) async throws -> (prompt: [Token], reused: Int) {
        let prompt = try await PromptAssembler(answerReserve: 100).assemble(request, for: engine).prompt.tokens ?? []
        var reused = -1
        for try await event in engine.generate(GenerationRequest(prompt: prompt, sampling: SamplingParameters(temperature: 0, maxTokens: 1))) {
            if case .promptEvaluationStarted(_, let fromCache) = event { reused = fromCache }
        }
        return (prompt, reused)
    }

    /// Tokens of everything after the chapters: what a new session may change.
    static func tailTokens(_ request: RaterFeedbackRequest, on engine: LlamaEngine) async throws -> Int {
        let prompt = StoryPrompt(request)
        let tail = [prompt.summary?.text, prompt.plotOutline?.text] + prompt.task.sections + [prompt.closingInstructions]
        return try await engine.tokenize(tail.compactMap { $0 }.joined(separator: "\n\n")).count + 40
    }

    @Test(arguments: ["a new chapter", "an edited summary", "an edited plot point"])
    func theChaptersAlreadyReadComeFromTheCache(_ change: String) async throws {
        let engine = try await LlamaEngine.load(TestModel.configuration(parallel: 1))
        defer { engine.shutdown() }
        let first = Self.request()
        let (firstPrompt, _) = try await Self.read(first, on: engine)
        let next = switch change {
        case "a new chapter": Self.request(chapters: 4)
        case "an edited summary": Self.request(summary: "Mara returns to the island after twenty years, to sell the house.")
        default: Self.request(plotPoint: "Mara burns the logbook.")
        }
        let (nextPrompt, reused) = try await Self.read(next, on: engine)
        let shared = firstPrompt.commonPrefixLength(with: nextPrompt)
        // Everything both prompts share was reused ...
        #expect(reused == min(shared, nextPrompt.count - 1))
        // ... and that is all of the first prompt but what follows its chapters.
        let tail = try await Self.tailTokens(first, on: engine)
        #expect(reused >= firstPrompt.count - tail, "reused \(reused) of \(firstPrompt.count); tail \(tail)")
        #expect(firstPrompt.count > 3 * tail)
    }
}
