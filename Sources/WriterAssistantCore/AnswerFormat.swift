package import WriterAssistantLLM

/// The shape every rater answer takes, told to the model three ways: in words in the prompt, as a
/// grammar that makes any other shape impossible to sample, and as a guide that closes the answer
/// in time to fit its token budget.
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

    /// The answer's shape for any engine: as a JSON Schema and as the grammar below.
    package static func constraint(suggestions: ClosedRange<Int>) -> AnswerConstraint {
        AnswerConstraint(jsonSchema: jsonSchema(suggestions: suggestions), grammar: grammar(suggestions: suggestions))
    }

    /// The JSON Schema of the grammar's answers, for servers that take a schema rather than a
    /// grammar: the same keys, counts and string lengths (the grammar alone also asks each
    /// suggestion to begin with three words).
    package static func jsonSchema(suggestions: ClosedRange<Int>) -> String {
        #"{"type":"object","properties":{"opinion":{"type":"string","minLength":\#(minimumOpinionCharacters),"maxLength":900},"#
            + #""suggestions":{"type":"array","items":{"type":"string","minLength":\#(minimumSuggestionCharacters),"maxLength":360},"#
            + #""minItems":\#(suggestions.lowerBound),"maxItems":\#(suggestions.upperBound)}},"#
            + #""required":["opinion","suggestions"],"additionalProperties":false}"#
    }

    /// GBNF for `{"opinion": string, "suggestions": [string, ...]}` with that many suggestions.
    /// Every repetition is bounded: small models otherwise loop inside a string or whitespace until
    /// the token limit. The token budget is kept by `FeedbackAnswerGuide`; these character bounds
    /// are only an outer limit.
    package static func grammar(suggestions: ClosedRange<Int>) -> String {
        ([
            #"root ::= "{" ws "\"opinion\"" ws ":" ws opinion ws "," ws "\"suggestions\"" ws ":" ws "[" ws suggestion (ws "," ws suggestion){\#(suggestions.lowerBound - 1),\#(suggestions.upperBound - 1)} ws "]" ws "}""#,
            #"opinion ::= "\"" lead char{\#(minimumOpinionCharacters - 1),899} "\"""#,
            #"suggestion ::= "\"" opener " " (word " "){2} char{\#(minimumSuggestionCharacters - 6),360} "\"""#,
        ] + JSONShape.textRules).joined(separator: "\n")
    }
}
