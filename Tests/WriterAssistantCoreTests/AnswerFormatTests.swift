import Foundation
import Testing
import WriterAssistantLLM
@testable import WriterAssistantCore

/// The JSON Schema sent to servers that take one describes the same answers as the grammar.
@Suite struct AnswerFormatTests {
    @Test(arguments: [3...6, 4...6])
    func theSchemaBoundsWhatTheGrammarBounds(_ suggestions: ClosedRange<Int>) throws {
        let schema = try #require(
            JSONSerialization.jsonObject(with: Data(AnswerFormat.shape(suggestions: suggestions).jsonSchema.utf8)) as? [String: Any])
        #expect(schema["type"] as? String == "object")
        #expect(schema["required"] as? [String] == ["opinion", "suggestions"])
        #expect(schema["additionalProperties"] as? Bool == false)
        let properties = try #require(schema["properties"] as? [String: [String: Any]])
        let opinion = try #require(properties["opinion"])
        #expect(opinion["minLength"] as? Int == AnswerFormat.minimumOpinionCharacters)
        let list = try #require(properties["suggestions"])
        #expect(list["minItems"] as? Int == suggestions.lowerBound)
        #expect(list["maxItems"] as? Int == suggestions.upperBound)
        let item = try #require(list["items"] as? [String: Any])
        #expect(item["minLength"] as? Int == AnswerFormat.minimumSuggestionCharacters)

        let grammar = AnswerFormat.shape(suggestions: suggestions).grammar
        #expect(grammar.contains("{\(suggestions.lowerBound - 1),\(suggestions.upperBound - 1)}"))
        // The opinion's first character is a `lead`, the rest `char`s: as many in all as the schema allows.
        #expect(grammar.contains("lead char{\(AnswerFormat.minimumOpinionCharacters - 1),\((opinion["maxLength"] as? Int ?? 0) - 1)}"))
        #expect(AnswerFormat.shape(suggestions: suggestions).constraint.grammar == grammar)
    }
}
