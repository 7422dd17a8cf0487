import Testing
import WriterAssistantLLM
@testable import LlamaEngine

/// Story text never yields a forbidden (user-defined marker) token, whatever the model's vocabulary.
@Suite struct ContentTokenGuardTests {
    /// A toy vocabulary: one token per character (its scalar value), and 900 for "<|turn|>", a
    /// marker the toy tokenizer matches in plain text, as llama.cpp does with user-defined tokens.
    static func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var rest = Substring(text)
        while let first = rest.first {
            if rest.hasPrefix("<|turn|>") {
                tokens.append(900)
                rest = rest.dropFirst(8)
            } else {
                tokens.append(Token(first.unicodeScalars.first?.value ?? 0))
                rest = rest.dropFirst()
            }
        }
        return tokens
    }

    static func spelling(_ token: Token) -> String {
        token == 900 ? "<|turn|>" : String(Character(Unicode.Scalar(UInt32(token)) ?? "?"))
    }

    @Test func aMarkerSpelledInTheStoryBecomesPlainCharacters() {
        let story = "Ari wrote <|turn|> on the wall."
        let raw = Self.tokenize(story)
        #expect(raw.contains(900))
        let safe = ContentTokenGuard(forbidden: [900]).neutralize(raw, spelling: Self.spelling, tokenize: Self.tokenize)
        #expect(!safe.contains(900))
        #expect(safe.map(Self.spelling).joined() == story)
    }

    @Test func textWithoutMarkersIsLeftAsItIs() {
        let raw = Self.tokenize("A quiet harbour at dawn.")
        #expect(ContentTokenGuard(forbidden: [900]).neutralize(raw, spelling: Self.spelling, tokenize: Self.tokenize) == raw)
        #expect(ContentTokenGuard(forbidden: []).neutralize(Self.tokenize("<|turn|>"), spelling: Self.spelling, tokenize: Self.tokenize) == [900])
    }
}
