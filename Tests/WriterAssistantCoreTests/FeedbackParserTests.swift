import Testing
import WriterAssistantAPI
import WriterAssistantCore

@Suite struct FeedbackParserTests {
    @Test func readsTheGrammarShapedObject() throws {
        let feedback = try FeedbackParser.parse(#"{"opinion": "Tense and strange.", "suggestions": ["Slow down", " Add smell "]}"#)
        #expect(feedback == RaterFeedback(opinion: "Tense and strange.", suggestions: ["Slow down", "Add smell"]))
    }

    @Test func findsTheObjectInsideChatterAndCodeFences() throws {
        let output = """
            Sure! Here is my feedback:
            ```json
            {"Opinion": "Good hook.", "suggestions": ["Cut the first line"]}
            ```
            Hope it helps.
            """
        #expect(try FeedbackParser.parse(output) == RaterFeedback(opinion: "Good hook.", suggestions: ["Cut the first line"]))
    }

    @Test func acceptsASingleSuggestionString() throws {
        let feedback = try FeedbackParser.parse(#"{"opinion": "Fine.", "suggestion": "Add a twist"}"#)
        #expect(feedback.suggestions == ["Add a twist"])
    }

    @Test func closesAnObjectCutOffByTheTokenLimit() throws {
        let output = #"{"opinion": "The door works.", "suggestions": ["Name the door's wood", "Show her fear", "Let the hinges scr"#
        let feedback = try FeedbackParser.parse(output)
        #expect(feedback == RaterFeedback(opinion: "The door works.", suggestions: ["Name the door's wood", "Show her fear"]))
    }

    /// However the keys and the values before it are written, a string the cut ended inside is not
    /// read: not a suggestion cut mid-word, not an opinion cut mid-way.
    @Test func aStringCutMidWayIsLeftOutWhateverCameBeforeIt() throws {
        let nested = try FeedbackParser.read(#"{"opinion": "The door works.", "suggestions": [{"x": 1}, "Show her fear", "Let the hin"#)
        #expect(nested.truncated && nested.feedback.suggestions == ["Show her fear"])
        let escapedKey = try FeedbackParser.read(#"{"opinion": "The door works.", "sugg\u0065stions": ["Show her fear", "Let the hin"#)
        #expect(escapedKey.truncated && escapedKey.feedback.suggestions == ["Show her fear"])
        let lastOpinion = #"{"suggestions": ["Show her fear"], "opini\u006fn": "The door wor"#
        #expect(Self.failureCode(lastOpinion, stoppedAtLimit: true) == .answerTruncated)
    }

    @Test func anAnswerCutInsideItsOpinionIsReportedAsCutOffWhenTheLimitStoppedIt() {
        let output = #"{"opinion": "The door wor"#
        #expect(Self.failureCode(output, stoppedAtLimit: true) == .answerTruncated)
        #expect(Self.failureCode(output, stoppedAtLimit: false) == .parsingError)
    }

    static func failureCode(_ output: String, stoppedAtLimit: Bool) -> ErrorCode? {
        do {
            _ = try FeedbackParser.read(output, stoppedAtLimit: stoppedAtLimit)
            return nil
        } catch {
            return error.code
        }
    }

    /// Real answers cut at every byte: whatever is read has the whole opinion and exactly the
    /// suggestions completed before the cut, and is marked truncated; before the first suggestion
    /// is complete the cut is reported as such, never as unreadable.
    @Test(arguments: RecordedAnswers.all)
    func anAnswerCutAtAnyByteKeepsEveryCompleteSuggestion(answer: String) throws {
        let whole = try FeedbackParser.read(answer)
        #expect(!whole.truncated)
        let bytes = Array(answer.utf8)
        for end in 0..<bytes.count {
            let cut = String(decoding: bytes[..<end], as: UTF8.self)
            do {
                let reading = try FeedbackParser.read(cut, stoppedAtLimit: true)
                guard reading.truncated else {
                    // Only the closing brace was missing, or only what follows it.
                    try #require(reading.feedback == whole.feedback, "cut at \(end)")
                    continue
                }
                try #require(reading.feedback.opinion == whole.feedback.opinion, "cut at \(end)")
                let kept = reading.feedback.suggestions
                try #require(!kept.isEmpty && kept == Array(whole.feedback.suggestions.prefix(kept.count)), "cut at \(end): \(kept)")
                // Every suggestion whose closing quote is before the cut is kept.
                let closed = RecordedAnswers.closedSuggestions(in: cut)
                try #require(kept.count >= min(closed, whole.feedback.suggestions.count), "cut at \(end)")
            } catch let failure as OperationFailure {
                try #require(failure.code == .answerTruncated, "cut at \(end): \(failure)")
                try #require(RecordedAnswers.closedSuggestions(in: cut) == 0, "cut at \(end)")
            }
        }
    }

    @Test func readsProseWithAList() throws {
        let output = """
            Opinions:
            The discovery is well placed but arrives too easily.

            1. Make the door harder to find.
            2) Foreshadow it in chapter one.
            - Give the basement a sound.
            """
        let feedback = try FeedbackParser.parse(output)
        #expect(feedback.opinion == "The discovery is well placed but arrives too easily.")
        #expect(feedback.suggestions == ["Make the door harder to find.", "Foreshadow it in chapter one.", "Give the basement a sound."])
    }

    @Test(arguments: [
        "",
        "I like it.",
        #"{"opinion": "", "suggestions": ["x"]}"#,
        #"{"opinion": "Nice.", "suggestions": []}"#,
        #"{"opinion": 3, "suggestions": [1, 2]}"#,
    ])
    func reportsWhatItCannotRead(output: String) {
        #expect {
            try FeedbackParser.parse(output)
        } throws: { error in
            (error as? OperationFailure)?.code == .parsingError
        }
    }
}
