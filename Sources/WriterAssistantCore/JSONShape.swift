package import WriterAssistantLLM

/// The shape of a structured answer, from which both of its constraints are built: the GBNF
/// grammar that makes any other shape impossible to sample, and the JSON Schema that servers
/// without grammars take. Every repetition is bounded, except where a string is meant to run as
/// long as its token budget allows (a chapter), since small models otherwise loop inside strings.
package indirect enum JSONShape: Sendable, Equatable {
    /// A string of `minimum` to `maximum` characters (nil lets it run on) that begins with
    /// `words` words, or at least with a letter, digit or quote rather than a space or punctuation
    /// (small models otherwise begin entries with ", " left over from the list).
    case string(minimum: Int, maximum: Int?, words: Int = 0)
    /// A person's or place's name: one to four words, whose first word is none of `excluding`'s
    /// first words (a new character must not take the name of one the story has).
    case name(excluding: [String] = [])
    /// A whole number of one to `digits` digits, written as a JSON string (an age: `"63"`, `"0"`), for
    /// fields the API keeps as text but that must hold a number and nothing else.
    case number(digits: Int)
    /// A string that opens by quoting one of `passages` word for word in single quotes, then says
    /// more in `minimum` to `maximum` characters: what a reviewer writes about a text, made to
    /// point at text that exists.
    case quoting(passages: [String], minimum: Int, maximum: Int)
    case list(JSONShape, count: ClosedRange<Int>)
    case choice([String])
    /// Keys in the order the model must write them; all required.
    case object([(key: String, value: JSONShape)])

    package static func == (lhs: JSONShape, rhs: JSONShape) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a, b, c), .string(d, e, f)): a == d && b == e && c == f
        case let (.name(a), .name(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.quoting(a, b, c), .quoting(d, e, f)): a == d && b == e && c == f
        case let (.list(a, b), .list(c, d)): a == c && b == d
        case let (.choice(a), .choice(b)): a == b
        case let (.object(a), .object(b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    package var constraint: AnswerConstraint {
        AnswerConstraint(jsonSchema: jsonSchema, grammar: grammar)
    }

    /// GBNF with one rule per list item, so that a list repeats a reference to its item rather
    /// than the item's whole expansion (llama.cpp refuses grammars whose repetitions grow too big).
    package var grammar: String {
        var rules: [String] = []
        let root = expression(rules: &rules)
        return (["root ::= \(root) ws"] + rules + Self.textRules).joined(separator: "\n")
    }

    /// The rules every answer's strings are made of: a JSON string's character, a string's first
    /// character (a letter, digit or quote, not a space or punctuation left over from the list), a
    /// word (letters, apostrophes and hyphens, then perhaps one mark of punctuation: no digits,
    /// brackets or identifiers like `suggestions_3289`), an entry's first word (not starting with
    /// `-`, `'` or a backtick, nor a label such as `suggestions':`, which the default model wrote at
    /// the head of one suggestion in ten), and whitespace.
    private static let textRules: [String] = {
        var rules = [
            #"char ::= [^"\\\x7F\x00-\x1F] | "\\" (["\\/bfnrt] | "u" [0-9a-fA-F]{4})"#,
            #"lead ::= [^"\\ \x7F\x00-\x1F,.;:!?)}\]-]"#,
            "word ::= [^\(WordExclusion.nonWordClass)]{1,\(WordExclusion.longestWord)} [,;:.!?)]?",
            #"ws ::= [ \t\n]{0,4}"#,
        ]
        // "Opinionated" is a word; "Suggestions'" is not a way to begin.
        let labels = WordExclusion(
            excluding: ["opinion", "opinions"], beginnings: ["suggestion"], forbiddenFirst: #"\x2D'`"#, ignoringCase: true)
        let opener = labels.rules(named: "openerword", into: &rules) ?? "word"
        rules.append("opener ::= \(opener) [,;:.!?)]?")
        return rules
    }()

    package var jsonSchema: String {
        switch self {
        case let .string(minimum, maximum, _):
            #"{"type":"string","minLength":\#(minimum)"# + (maximum.map { #","maxLength":\#($0)"# } ?? "") + "}"
        case .name:
            #"{"type":"string","minLength":1,"maxLength":124}"#
        case .number(let digits):
            #"{"type":"string","pattern":"^(0|[1-9][0-9]{0,\#(max(digits - 1, 0))})$"}"#
        case let .quoting(_, minimum, maximum):
            #"{"type":"string","pattern":"^'","minLength":\#(minimum),"maxLength":\#(maximum + 200)}"#
        case let .list(item, count):
            #"{"type":"array","items":\#(item.jsonSchema),"minItems":\#(count.lowerBound),"maxItems":\#(count.upperBound)}"#
        case let .choice(values):
            #"{"type":"string","enum":["# + values.map(Self.jsonString).joined(separator: ",") + "]}"
        case let .object(fields):
            #"{"type":"object","properties":{"#
                + fields.map { #""\#($0.key)":\#($0.value.jsonSchema)"# }.joined(separator: ",")
                + #"},"required":["# + fields.map { #""\#($0.key)""# }.joined(separator: ",")
                + #"],"additionalProperties":false}"#
        }
    }

    /// The shape as one GBNF expression; list items become rules of their own in `rules`.
    private func expression(rules: inout [String]) -> String {
        switch self {
        case let .string(minimum, maximum, words):
            // What the leading words or letter stand for, counted off the bounds.
            let opening = words > 0 ? 2 * words : 1
            let rest = "char{\(max(minimum - opening, 0)),\(maximum.map { String(max($0 - opening, 0)) } ?? "")}"
            return words > 0 ? #""\"" opener " " (word " "){\#(words - 1)} \#(rest) "\"""# : #""\"" lead \#(rest) "\"""#
        case .name(let excluded):
            guard let firstWord = WordExclusion.newName(excluding: excluded).rules(named: "newname\(rules.count + 1)", into: &rules) else {
                return #""\"" word (" " word){0,3} "\"""#
            }
            return #""\"" \#(firstWord) [,;:.!?)]? (" " word){0,3} "\"""#
        case .number(let digits):
            return #""\"" ("0" | [1-9] [0-9]{0,\#(max(digits - 1, 0))}) "\"""#
        case let .quoting(passages, minimum, maximum):
            let name = "passage\(rules.count + 1)"
            rules.append("\(name) ::= " + passages.map(Self.literal).joined(separator: " | "))
            return #""\"'" \#(name) "' " char{\#(minimum),\#(maximum)} "\"""#
        case let .list(item, count):
            let name = "item\(rules.count + 1)"
            rules.append("")
            let index = rules.count - 1
            rules[index] = "\(name) ::= " + item.expression(rules: &rules)
            let items = "\(name) (ws \",\" ws \(name)){\(max(count.lowerBound - 1, 0)),\(count.upperBound - 1)}"
            // A list that may be empty may be "[]".
            return "\"[\" ws " + (count.lowerBound == 0 ? "(\(items))?" : items) + " ws \"]\""
        case let .choice(values):
            // The values may be the writer's (character names), quotes and backslashes included.
            return "(" + values.map { value in
                let literal = Self.literal(value)
                return literal == "\"\(value)\"" ? #""\"\#(value)\"""# : #""\"" "# + literal + #" "\"""#
            }.joined(separator: " | ") + ")"
        case let .object(fields):
            var members: [String] = []
            for field in fields {
                members.append(#""\"\#(field.key)\"" ws ":" ws "# + field.value.expression(rules: &rules))
            }
            return "\"{\" ws " + members.joined(separator: " ws \",\" ws ") + " ws \"}\""
        }
    }

    /// `text` as a JSON string, quotes included.
    static func jsonString(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += #"\""#
            case "\\": escaped += #"\\"#
            case _ where scalar.value < 0x20: escaped += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }

    /// `text` as a GBNF literal of its JSON-escaped form: what the model writes inside a JSON string.
    static func literal(_ text: String) -> String {
        // Each character's JSON escape, then that escape's backslashes and quotes escaped for GBNF.
        var literal = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": literal += #"\\\""#
            case "\\": literal += #"\\\\"#
            case "\n": literal += #"\\n"#
            case "\t": literal += #"\\t"#
            case "\r": literal += #"\\r"#
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: continue
            default: literal.unicodeScalars.append(scalar)
            }
        }
        return literal + "\""
    }
}
