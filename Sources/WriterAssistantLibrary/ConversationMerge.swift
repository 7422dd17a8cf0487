public import WriterAssistantAPI

/// What a conversation kept with a story holds after a turn: a client sends the latest turns
/// (at most the request's limit) or only the new one, so the turns it sent are laid after what is
/// kept where they continue it, and replace it only where they do not (a conversation edited, or
/// begun again under its name).
public enum ConversationMerge {
    /// Turns a conversation keeps: the oldest go first.
    public static let mostTurns = 2_000

    /// `kept` carried on by `sent` (ending with the writer's new turn) and `reply`.
    public static func merged(kept: [ConversationMessage]?, sent: [ConversationMessage], reply: ConversationMessage) -> [ConversationMessage] {
        let earlier = sent.dropLast()
        var turns: [ConversationMessage]
        if let kept, kept.count >= earlier.count, Array(kept.suffix(earlier.count)) == Array(earlier) {
            turns = kept + sent.suffix(1)
        } else {
            turns = sent
        }
        turns.append(reply)
        return Array(turns.suffix(mostTurns))
    }
}
