import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import LlamaEngine

/// However small the token budget and whatever is sampled, the real model's answer ends in a
/// result: closed in time by the answer guide, at worst marked truncated, never unreadable.
@Suite(.serialized) struct AnswerBudgetTests {
    static let request = RaterFeedbackRequest(
        raterPrompt: "You are a pacing editor. Judge whether this plot point moves the story at the right speed.",
        plotPoint: "Ari follows Corvin into the Undervault at night and sees him drain a crystal into a jar.",
        raterName: "Pacing",
        structuredContext: StructuredContext(
            worldbuilding: Worldbuilding(content: "The Glass City floats above the Ashen Sea, held aloft by singing crystals."),
            characters: [StoryCharacter(name: "Ari", basicBio: "An apprentice Lanterner."),
                         StoryCharacter(name: "Corvin", basicBio: "Master of the Lanterners guild.")]))

    @Test(arguments: [40, 80, 150])
    func everyAnswerEndsInAResultWithinItsBudget(maxTokens: Int) async throws {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let outcomes = try await withThrowingTaskGroup(of: (Result<RaterFeedbackResult, OperationFailure>).self) { group in
            for seed in 1...30 {
                let sampling = SamplingParameters(temperature: 0.7, maxTokens: maxTokens, seed: UInt32(seed * 7919 + maxTokens))
                let pipeline = OperationPipeline(host: host, configuration: .init(sampling: sampling))
                group.addTask {
                    do throws(OperationFailure) {
                        return .success(try await Self.result(pipeline))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 30)
        var truncated = 0
        for outcome in outcomes {
            switch outcome {
            case .success(let result):
                #expect(!result.feedback.opinion.isEmpty && !result.feedback.suggestions.isEmpty)
                #expect((result.contextMetadata.completionTokens ?? .max) <= maxTokens)
            case .failure(let failure) where failure.code == .answerTruncated && maxTokens < Self.worstCaseMinimum:
                // Below the grammar's minimums written a character per token, the guide cannot
                // promise a result; the writer gets this clear error, never an unreadable answer.
                truncated += 1
            case .failure(let failure):
                Issue.record("\(maxTokens) tokens: \(failure.code) \(failure.message)")
            }
        }
        // Even there, the guide closes nearly every answer in time.
        #expect(truncated <= 2, "\(truncated) of 30 answers were cut off at \(maxTokens) tokens")
    }

    /// Tokens the grammar's shortest answer takes when every character is a token of its own:
    /// the opinion's and three suggestions' minimum characters and the JSON around them.
    static let worstCaseMinimum = AnswerFormat.minimumOpinionCharacters
        + AnswerFormat.suggestionRange.lowerBound * AnswerFormat.minimumSuggestionCharacters + 30

    private static func result(_ pipeline: OperationPipeline) async throws(OperationFailure) -> RaterFeedbackResult {
        do {
            return try await pipeline.result(for: request)
        } catch let failure as OperationFailure {
            throw failure
        } catch {
            throw OperationFailure(.generationFailed, "\(error)")
        }
    }
}
