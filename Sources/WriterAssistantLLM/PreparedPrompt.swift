/// A conversation made ready by one engine for its own `generate`: the messages, what they take
/// of the context window, and the form that engine reads.
///
/// An engine with the model's own tokenizer counts exactly and keeps the tokens, so that the
/// prompt is tokenized once however many times it was measured; an engine that sends messages to
/// another server may only estimate the count, and says by how much it may be off.
public struct PreparedPrompt: Sendable, Equatable {
    public var messages: [ChatMessage]
    /// Tokens the prompt takes, chat template included.
    public var tokenCount: Int
    /// How many tokens `tokenCount` may be short of the real count; 0 when it is exact.
    public var countMargin: Int
    /// The prompt as the engine's model reads it, for engines that evaluate it themselves.
    public var tokens: [Token]?

    public init(messages: [ChatMessage], tokenCount: Int, countMargin: Int = 0, tokens: [Token]? = nil) {
        self.messages = messages
        self.tokenCount = tokenCount
        self.countMargin = countMargin
        self.tokens = tokens
    }

    /// A prompt already templated and tokenized for a local model.
    public init(tokens: [Token]) {
        self.init(messages: [], tokenCount: tokens.count, tokens: tokens)
    }

    /// The most tokens the prompt may take.
    public var largestTokenCount: Int { tokenCount + countMargin }
}
