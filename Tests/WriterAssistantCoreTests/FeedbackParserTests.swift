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

    @Test func keepsACutOffOpinionButNeedsASuggestion() throws {
        #expect(throws: FeedbackFailure.self) { try FeedbackParser.parse(#"{"opinion": "The door wor"#) }
        let feedback = try FeedbackParser.parse(#"{"suggestions": ["Add rain"], "opinion": "The door wor"#)
        #expect(feedback.opinion == "The door wor")
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
            (error as? FeedbackFailure)?.code == .parsingError
        }
    }
}
