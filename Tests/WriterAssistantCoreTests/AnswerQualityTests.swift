import MeasurementSupport
import Testing
import WriterAssistantAPI
import WriterAssistantLLM

@Suite struct AnswerQualityTests {
    @Test func aLoopingAnswerIsMeasuredAsOne() {
        let loop = String(repeating: "The ending is too predictable and cliché. ", count: 10)
        let quality = AnswerQuality(RaterFeedback(opinion: loop, suggestions: ["Add a twist."]), names: [])
        #expect(quality.loops && quality.repeatedShare > 0.8)
        #expect(quality.longestRepeatedSentenceRun == 9)
    }

    @Test func aVariedGroundedAnswerIsMeasuredAsOne() {
        let feedback = RaterFeedback(
            opinion: "Tomas finally acts, which the chapter earned.",
            suggestions: ["Let Ivy answer with a question.", "Show the logs shaking in his hand.", "Cut the lockdown warning."])
        let quality = AnswerQuality(feedback, names: ["Tomas Reyes", "Councillor Ivy Hale", "Hydroponics Deck Four"])
        #expect(!quality.loops && quality.repeatedShare == 0)
        #expect(quality.grounded && quality.suggestions == 3 && quality.nearDuplicatePairs == 0)
        #expect(!AnswerQuality.mentions(["Hydroponics Deck Four"], in: "Move it to another deck."))
    }
}

@Suite struct DecodeRateTests {
    /// The first token comes from reading the prompt; only the steps after it are decoding.
    @Test func theFirstTokenIsNotCountedAsDecoded() {
        let two = GenerationSummary(promptTokens: 10, completionTokens: 2, stopReason: .endOfGeneration, generationSeconds: 0.01)
        #expect(two.tokensPerSecond == 100)
        let one = GenerationSummary(promptTokens: 10, completionTokens: 1, stopReason: .endOfGeneration, generationSeconds: 0.01)
        #expect(one.tokensPerSecond == nil)
    }
}
