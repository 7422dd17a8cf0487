/// The shape every rater answer takes, told to the model twice: in words in the prompt, and as a
/// grammar that makes any other shape impossible to sample.
public enum AnswerFormat {
    public static let suggestionRange = 1...6

    public static let instructions = """
        Evaluate the plot point above in your role as this critic. Answer with a JSON object with \
        two keys: "opinion", your overall opinion of the plot point in 2 to 3 sentences, and \
        "suggestions", a list of 4 to 6 specific, concrete suggestions to improve it.
        """

    /// GBNF for `{"opinion": string, "suggestions": [string, ...]}`. Every repetition is bounded:
    /// small models otherwise loop inside a string or whitespace until the token limit.
    public static let grammar = #"""
        root ::= "{" ws "\"opinion\"" ws ":" ws opinion ws "," ws "\"suggestions\"" ws ":" ws "[" ws suggestion (ws "," ws suggestion){0,\#(suggestionRange.upperBound - 1)} ws "]" ws "}"
        opinion ::= "\"" char{1,700} "\""
        suggestion ::= "\"" char{1,300} "\""
        char ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})
        ws ::= [ \t\n]{0,4}
        """#
}
