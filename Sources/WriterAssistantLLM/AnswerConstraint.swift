/// The shape a structured answer must take, in the forms engines accept: a JSON Schema, which
/// OpenAI-compatible servers take as `response_format`, and a GBNF grammar, which llama.cpp takes
/// in process or as a server and which can also bound each string's length. An engine uses the
/// form it supports best; the answer is parsed and checked the same way whichever it used.
public struct AnswerConstraint: Sendable, Equatable {
    /// A JSON Schema, as JSON text.
    public var jsonSchema: String?
    public var grammar: String?

    public init(jsonSchema: String? = nil, grammar: String? = nil) {
        self.jsonSchema = jsonSchema
        self.grammar = grammar
    }
}
