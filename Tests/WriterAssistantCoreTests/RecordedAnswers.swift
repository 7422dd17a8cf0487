/// Answers the default model wrote through the server, as it wrote them (from `make eval
/// --record`), and one with escapes of every kind.
enum RecordedAnswers {
    static let all: [String] = [
        #"{"opinion": "The door is a strong turn: Ari\u2019s fear finally has a shape, and the \"hidden\" room raises the stakes.", "suggestions": ["Let Ari hear the door before she sees it \u2014 a draught, a tick.", "Show what Corvin knows with one glance\\n not a speech.", "End the scene on the \ud83d\udeaa handle turning by itself."]}"#,
    ]

    /// How many suggestions have their closing quote in `text`.
    static func closedSuggestions(in text: String) -> Int {
        var strings = 0
        var closed = 0
        var inString = false
        var escaped = false
        for character in text {
            if inString {
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                    if strings > 3 { closed += 1 }
                }
            } else if character == "\"" {
                inString = true
                strings += 1
            }
        }
        return closed
    }
}
