public import WriterAssistantLLM

/// Token counts for a peer whose tokenizer is not at hand: story prose in the tokenizers of
/// today's models takes about one token per four bytes of UTF-8. The estimate may be short by a
/// quarter of itself (prose at three bytes per token), which `PreparedPrompt.countMargin` says,
/// so the prompt assembler keeps that much free.
public enum TokenEstimate {
    /// Tokens of chat scaffolding (role markers, separators) per message.
    static let perMessage = 8

    public static func tokens(in text: String) -> Int {
        (text.utf8.count + 3) / 4
    }

    public static func prompt(_ messages: [ChatMessage]) -> PreparedPrompt {
        let count = messages.reduce(0) { $0 + tokens(in: $1.content) + perMessage }
        return PreparedPrompt(messages: messages, tokenCount: count, countMargin: count / 4)
    }
}
