public import WriterAssistantLLM

/// The shape of a structured answer, from which both of its constraints are built: the GBNF
/// grammar that makes any other shape impossible to sample, and the JSON Schema that servers
/// without grammars take. Every repetition is bounded, except where a string is meant to run as
/// long as its token budget allows (a chapter), since small models otherwise loop inside strings.
public indirect enum JSONShape: Sendable, Equatable {
    /// A string of `characters.lowerBound` to `characters.upperBound` characters; an upper bound of
    /// nil lets it run on.
    case string(minimum: Int, maximum: Int?)
    case list(JSONShape, count: ClosedRange<Int>)
    case choice([String])
    /// Keys in the order the model must write them; all required.
    case object([(key: String, value: JSONShape)])

    public static func == (lhs: JSONShape, rhs: JSONShape) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a, b), .string(c, d)): a == c && b == d
        case let (.list(a, b), .list(c, d)): a == c && b == d
        case let (.choice(a), .choice(b)): a == b
        case let (.object(a), .object(b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    public var constraint: AnswerConstraint {
        AnswerConstraint(jsonSchema: jsonSchema, grammar: grammar)
    }

    public var grammar: String {
        """
        root ::= \(rule) ws
        char ::= [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})
        ws ::= [ \\t\\n]{0,4}
        """
    }

    public var jsonSchema: String {
        switch self {
        case let .string(minimum, maximum):
            #"{"type":"string","minLength":\#(minimum)"# + (maximum.map { #","maxLength":\#($0)"# } ?? "") + "}"
        case let .list(item, count):
            #"{"type":"array","items":\#(item.jsonSchema),"minItems":\#(count.lowerBound),"maxItems":\#(count.upperBound)}"#
        case let .choice(values):
            #"{"type":"string","enum":["# + values.map { #""\#($0)""# }.joined(separator: ",") + "]}"
        case let .object(fields):
            #"{"type":"object","properties":{"#
                + fields.map { #""\#($0.key)":\#($0.value.jsonSchema)"# }.joined(separator: ",")
                + #"},"required":["# + fields.map { #""\#($0.key)""# }.joined(separator: ",")
                + #"],"additionalProperties":false}"#
        }
    }

    /// The shape as one GBNF expression.
    private var rule: String {
        switch self {
        case let .string(minimum, maximum):
            #""\"" char{\#(minimum),\#(maximum.map(String.init) ?? "")} "\"""#
        case let .list(item, count):
            "\"[\" ws \(item.rule) (ws \",\" ws \(item.rule)){\(max(count.lowerBound - 1, 0)),\(count.upperBound - 1)} ws \"]\""
        case let .choice(values):
            "(" + values.map { #""\"\#($0)\"""# }.joined(separator: " | ") + ")"
        case let .object(fields):
            "\"{\" ws "
                + fields.map { #""\"\#($0.key)\"" ws ":" ws "# + $0.value.rule }.joined(separator: " ws \",\" ws ")
                + " ws \"}\""
        }
    }
}
