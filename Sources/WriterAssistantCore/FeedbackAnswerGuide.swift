package import WriterAssistantLLM

/// Keeps a rater's answer, `{"opinion": "…", "suggestions": ["…", …]}`, complete within its token
/// budget: the opinion and each suggestion get a share of it, a string past its share is closed at
/// the next sentence end and at the latest when its hard limit is reached, and the list is closed
/// while there is still room to do so. What any string may spend always leaves room for the
/// structure and the suggestions still required after it, so however the model writes, the answer
/// ends as a whole JSON object with at least the required number of suggestions.
package struct FeedbackAnswerGuide: OutputGuide, Equatable {
    /// Token costs of the JSON around the strings, generous for byte-pair vocabularies.
    static let closingCost = 4  // `"]}` or `" ] }`
    static let separatorCost = 3  // `", "`
    static let afterOpinionCost = 8  // `", "suggestions": ["`
    /// Room kept for a suggestion still to come: its grammar minimum in characters, since a rare
    /// character can take a token of its own.
    static let shortestString = AnswerFormat.minimumSuggestionCharacters
    /// Where a string may end at its next sentence, and where it must end.
    static let opinionLength = (soft: 70, hard: 120)
    static let suggestionLength = (soft: 45, hard: 75)
    /// A new suggestion is begun only with room for a useful one.
    static let roomForAnotherSuggestion = 25

    private let suggestionRange: ClosedRange<Int>
    /// Strings opened so far: the key "opinion", the opinion, the key "suggestions", then suggestions.
    private var json = JSONStrings()
    private var tokensInString = 0
    private var closedSuggestions = 0
    private var listClosed = false
    private var objectClosed = false

    package init(suggestionRange: ClosedRange<Int> = AnswerFormat.suggestionRange) {
        self.suggestionRange = suggestionRange
    }

    package mutating func observe(_ bytes: [UInt8]) {
        for byte in bytes {
            switch json.read(byte) {
            case .opened: tokensInString = 0
            case .closed: if isSuggestion { closedSuggestions += 1 }
            case .outside(UInt8(ascii: "]")): listClosed = true
            case .outside(UInt8(ascii: "}")): objectClosed = true
            case .inside, .outside: break
            }
        }
        if json.isOpen { tokensInString += 1 }
    }

    package func requirement(tokensLeft: Int) -> OutputRequirement {
        if objectClosed { return .free }
        if listClosed { return .startsWith(UInt8(ascii: "}"), thenOnly: Self.whitespace) }
        if json.isOpen {
            if isOpinion {
                let reserve = Self.afterOpinionCost + stillRequired(after: 0) + Self.closingCost
                return closing(at: Self.opinionLength, tokensLeft: tokensLeft, reserve: reserve, endsList: false)
            }
            if isSuggestion {
                let done = closedSuggestions + 1
                let reserve = stillRequired(after: done) + Self.closingCost
                return closing(at: Self.suggestionLength, tokensLeft: tokensLeft, reserve: reserve,
                               endsList: endsList(after: done, tokensLeft: tokensLeft - 1))
            }
            return .free
        }
        if json.count > 3, endsList(after: closedSuggestions, tokensLeft: tokensLeft) {
            return .startsWith(UInt8(ascii: "]"), thenOnly: Self.whitespace.union([UInt8(ascii: "}")]))
        }
        return .free
    }

    private var isOpinion: Bool { json.count == 2 }
    private var isSuggestion: Bool { json.count > 3 }

    /// Tokens to keep for the suggestions the grammar still requires after `done` are complete.
    private func stillRequired(after done: Int) -> Int {
        max(0, suggestionRange.lowerBound - done) * (Self.separatorCost + Self.shortestString)
    }

    private func endsList(after done: Int, tokensLeft: Int) -> Bool {
        guard done >= suggestionRange.lowerBound else { return false }
        return done >= suggestionRange.upperBound
            || tokensLeft < Self.separatorCost + Self.roomForAnotherSuggestion + Self.closingCost
    }

    private func closing(
        at length: (soft: Int, hard: Int), tokensLeft: Int, reserve: Int, endsList: Bool
    ) -> OutputRequirement {
        let mustClose = tokensLeft <= reserve || tokensInString >= length.hard
            || (tokensInString >= length.soft && json.atSentenceEnd)
        guard mustClose else { return .free }
        let quote = UInt8(ascii: "\"")
        return endsList
            ? .startsWith(quote, thenOnly: Self.whitespace.union([UInt8(ascii: "]"), UInt8(ascii: "}")]))
            : .startsWith(quote)
    }

    private static let whitespace = JSONStrings.whitespace
}
