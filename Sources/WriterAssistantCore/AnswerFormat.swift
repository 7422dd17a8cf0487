/// The shape every rater answer takes, told to the model three ways: in words in the prompt, as a
/// grammar that makes any other shape impossible to sample, and as a guide that closes the answer
/// in time to fit its token budget.
public enum AnswerFormat {
    /// A critique needs several distinct actions; more than six stop being read.
    public static let suggestionRange = 3...6
    /// Shorter strings are not an opinion or a suggestion.
    public static let minimumOpinionCharacters = 30
    public static let minimumSuggestionCharacters = 20

    /// The closing instructions. `names` are the story's own characters and places, so that the
    /// model speaks about this story rather than stories in general.
    public static func instructions(names: [String]) -> String {
        var text = """
            Evaluate the plot point above as this critic. Answer with a JSON object with two keys: \
            "opinion", your opinion of the plot point in two or three sentences, and "suggestions", \
            a list of four or five different, concrete changes the writer could make, one sentence each.
            """
        if !names.isEmpty {
            text += " Speak about this story: refer to its characters and places by name ("
                + names.joined(separator: ", ") + ")."
        }
        return text
    }

    /// GBNF for `{"opinion": string, "suggestions": [string, ...]}`. Every repetition is bounded:
    /// small models otherwise loop inside a string or whitespace until the token limit. The token
    /// budget is kept by `FeedbackAnswerGuide`; these character bounds are only an outer limit.
    public static let grammar = #"""
        root ::= "{" ws "\"opinion\"" ws ":" ws opinion ws "," ws "\"suggestions\"" ws ":" ws "[" ws suggestion (ws "," ws suggestion){\#(suggestionRange.lowerBound - 1),\#(suggestionRange.upperBound - 1)} ws "]" ws "}"
        opinion ::= "\"" char{\#(minimumOpinionCharacters),900} "\""
        suggestion ::= "\"" char{\#(minimumSuggestionCharacters),400} "\""
        char ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})
        ws ::= [ \t\n]{0,4}
        """#
}
