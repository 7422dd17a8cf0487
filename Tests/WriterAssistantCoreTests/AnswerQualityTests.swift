import MeasurementSupport
import Testing
import WriterAssistantAPI

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
