import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM

/// A writer that never wants to stop: inside a string it always adds another piece, and after a
/// suggestion it always begins another one. It obeys the guide only where the answer grammar
/// allows (a string shorter than its minimum cannot close), as the engine's grammar would.
private struct EndlessWriter {
    var piece = " word"
    var tokens: [String] = []
    private var guide: FeedbackAnswerGuide
    private let suggestions: ClosedRange<Int>
    private var pending = [#"{""#, "opinion", #"":"#, #" ""#]
    private var stringLength = 0
    private var strings = 0
    private var inString = false
    private var finished = false

    init(piece: String = " word", suggestions: ClosedRange<Int> = AnswerFormat.suggestionRange) {
        self.piece = piece
        self.suggestions = suggestions
        guide = FeedbackAnswerGuide(suggestionRange: suggestions)
    }

    var text: String { tokens.joined() }

    /// Writes until the answer is whole or `maxTokens` are spent; true when it is whole.
    mutating func write(maxTokens: Int) -> Bool {
        while !finished, tokens.count < maxTokens {
            let token = next(guide.requirement(tokensLeft: maxTokens - tokens.count))
            guide.observe(Array(token.utf8))
            tokens.append(token)
        }
        return finished
    }

    private mutating func next(_ requirement: OutputRequirement) -> String {
        if !pending.isEmpty {
            let token = pending.removeFirst()
            if token.hasSuffix("\"") { open() }
            if token == "}" { finished = true }
            return token
        }
        let minimum = strings == 2 ? 30 : 20
        if inString {
            guard case .startsWith(UInt8(ascii: "\""), let rest) = requirement, stringLength >= minimum else {
                stringLength += piece.count
                return piece
            }
            inString = false
            if strings == 2 {
                pending = [",", #" ""#, "suggestions", #"":"#, " [", #"""#]
                return #"""#
            }
            if rest?.contains(UInt8(ascii: "]")) == true {
                pending = ["}"]
                return #""]"#
            }
            return #"""#
        }
        if case .startsWith(UInt8(ascii: "]"), _) = requirement {
            pending = ["}"]
            return "]"
        }
        if case .startsWith(UInt8(ascii: "}"), _) = requirement {
            finished = true
            return "}"
        }
        if strings - 3 >= suggestions.upperBound {
            pending = ["}"]
            return "]"
        }
        open()
        return #", ""#
    }

    private mutating func open() {
        inString = true
        strings += 1
        stringLength = 0
    }
}

@Suite struct FeedbackAnswerGuideTests {
    @Test(arguments: [40, 50, 60, 80, 100, 150, 300, 600, 1200])
    func anAnswerThatNeverStopsIsClosedWholeWithinItsBudget(maxTokens: Int) throws {
        let suggestions = AnswerFormat.writtenSuggestions(maxTokens: maxTokens)
        var writer = EndlessWriter(suggestions: suggestions)
        let whole = writer.write(maxTokens: maxTokens)
        #expect(whole, "\(writer.text.suffix(400)) tokens: \(writer.tokens.count)")
        let reading = try FeedbackParser.read(writer.text)
        #expect(!reading.truncated)
        #expect(suggestions.contains(reading.feedback.suggestions.count))
    }

    @Test func longerBudgetsGiveLongerSuggestionsUpToTheirHardLimit() throws {
        var small = EndlessWriter()
        var large = EndlessWriter()
        let whole = (small.write(maxTokens: 100), large.write(maxTokens: 2000))
        #expect(whole == (true, true))
        let smallest = try FeedbackParser.parse(small.text).suggestions.map(\.count).max() ?? 0
        let largest = try FeedbackParser.parse(large.text).suggestions.map(\.count).max() ?? 0
        #expect(smallest < largest)
        // Seventy-five pieces of five characters at most, whatever the budget.
        #expect(largest <= 75 * 5)
    }

    @Test func wideCharactersTakeMoreTokensAndStillFit() throws {
        // One token per character, as rare characters can be.
        var writer = EndlessWriter(piece: "門")
        let whole = writer.write(maxTokens: 300)
        #expect(whole, "\(writer.text.suffix(400)) tokens: \(writer.tokens.count)")
        #expect(try FeedbackParser.parse(writer.text).suggestions.count >= AnswerFormat.suggestionRange.lowerBound)
    }

    @Test func pastItsShareAStringClosesAtTheNextSentenceEnd() {
        var guide = FeedbackAnswerGuide()
        for token in [#"{""#, "opinion", #"":"#, #" ""#] { guide.observe(Array(token.utf8)) }
        for _ in 0..<80 { guide.observe(Array(" word".utf8)) }
        #expect(guide.requirement(tokensLeft: 500) == .free)
        guide.observe(Array(" end.".utf8))
        #expect(guide.requirement(tokensLeft: 500) == .startsWith(UInt8(ascii: "\"")))
    }

    @Test func aListIsNotClosedBeforeItHasTheRequiredSuggestions() {
        var guide = FeedbackAnswerGuide()
        let answer = #"{"opinion": "A fine and tense turn of events.", "suggestions": ["Give the door a sound of its own.", "#
        guide.observe(Array(answer.utf8))
        #expect(guide.requirement(tokensLeft: 10) == .free)
    }
}
