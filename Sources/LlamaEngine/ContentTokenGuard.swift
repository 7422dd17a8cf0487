import WriterAssistantLLM

/// Keeps story text from turning into a model's own markers.
///
/// Plain-text tokenization in llama.cpp skips control tokens but still matches user-defined ones,
/// and some models' chat markers or end-of-turn tokens are user-defined: a chapter that spells one
/// would then open or close a turn. Content may therefore never contain the `forbidden` tokens (the
/// user-defined tokens the chat template itself uses, and user-defined end-of-generation tokens):
/// each one found is replaced by its text tokenized a character at a time, which cannot match it.
struct ContentTokenGuard {
    let forbidden: Set<Token>

    func neutralize<Failure: Error>(
        _ tokens: [Token], spelling: (Token) -> String, tokenize: (String) throws(Failure) -> [Token]
    ) throws(Failure) -> [Token] {
        guard !forbidden.isEmpty, tokens.contains(where: forbidden.contains) else { return tokens }
        var safe: [Token] = []
        safe.reserveCapacity(tokens.count)
        for token in tokens {
            guard forbidden.contains(token) else {
                safe.append(token)
                continue
            }
            for character in spelling(token) {
                // A marker of a single character cannot be spelled safely; it is left out.
                safe += try tokenize(String(character)).filter { !forbidden.contains($0) }
            }
        }
        return safe
    }
}
