/// The shape every rater answer takes, told to the model three ways: in words in the prompt, as a
/// `JSONShape` (the grammar that makes any other shape impossible to sample), and as a guide that
/// closes the answer in time to fit its token budget.
package enum AnswerFormat {
    /// A critique needs several distinct actions; more than six stop being read.
    package static let suggestionRange = 3...6

    /// How many suggestions the model must write: one more than a critique needs at least, since
    /// a repeated or stray one is dropped, when the token budget has room for that many of a
    /// useful length.
    package static func writtenSuggestions(maxTokens: Int) -> ClosedRange<Int> {
        maxTokens >= 160 ? (suggestionRange.lowerBound + 1)...suggestionRange.upperBound : suggestionRange
    }
    /// Shorter strings are not an opinion or a suggestion; a suggestion also starts with three
    /// words, so that a stray identifier (`details_key_sentences`) cannot stand for one.
    package static let minimumOpinionCharacters = 30
    package static let minimumSuggestionCharacters = 20

    /// The closing instructions. `names` are the story's own characters and places, so that the
    /// model speaks about this story rather than stories in general.
    package static func instructions(names: [String]) -> String {
        var text = """
            Evaluate the plot point above as this critic. Answer with a JSON object with two keys: \
            "opinion", your opinion of the plot point in two or three sentences, and "suggestions", \
            a list of four or five different, concrete changes the writer could make, one sentence each.
            """
        if !names.isEmpty {
            text += " Speak about this story, not stories in general: in the opinion and in each suggestion, "
                + "name the character or place it is about (" + names.joined(separator: ", ") + ")."
        }
        return text
    }

    /// The answer's shape, from which its grammar and JSON Schema are built as every operation's
    /// are. A suggestion begins with three words, so that a stray identifier cannot stand for one.
    /// The token budget is kept by `FeedbackAnswerGuide`; the character bounds are an outer limit.
    package static func shape(suggestions: ClosedRange<Int>) -> JSONShape {
        .object([
            ("opinion", .string(minimum: minimumOpinionCharacters, maximum: 900)),
            ("suggestions", .list(.string(minimum: minimumSuggestionCharacters, maximum: 360, words: 3), count: suggestions)),
        ])
    }
}
