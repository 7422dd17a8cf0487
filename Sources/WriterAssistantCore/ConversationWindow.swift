package import WriterAssistantAPI

/// The latest turns of a conversation that fit the room a prompt keeps for it, oldest first: a
/// long conversation loses its oldest turns, and the oldest turn kept keeps its end when it does
/// not fit whole. Measured in Unicode scalars, as the requests' limits are.
package struct ConversationWindow: Sendable, Equatable {
    /// The turns kept, one to a line, each after its speaker's label; nil when none is.
    package var text: String?
    /// How many of the turns were not read whole: left out, or cut to their end.
    package var omittedTurns: Int

    /// The least of a turn worth keeping when it must be cut to its end.
    package static let shortestTurnEnd = 40

    package init(_ messages: [ConversationMessage], room: Int, writer: String = "Writer: ", assistant: String = "You: ") {
        var kept: [String] = []
        var whole = 0
        var used = 0
        for message in messages.reversed() {
            let speaker = message.role == .user ? writer : assistant
            let left = room - used - speaker.count
            guard left >= Self.shortestTurnEnd else { break }
            var content = message.content.trimmed
            if content.unicodeScalars.count > left {
                content = "…" + String(String.UnicodeScalarView(content.unicodeScalars.suffix(left - 1)))
            } else {
                whole += 1
            }
            kept.insert(speaker + content, at: 0)
            used += speaker.count + content.unicodeScalars.count + 1
        }
        text = kept.isEmpty ? nil : kept.joined(separator: "\n")
        omittedTurns = messages.count - whole
    }
}
