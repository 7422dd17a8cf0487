package import WriterAssistantAPI
import WriterAssistantLLM

/// The next turn of a conversation about the story, by the agent the writer talks to. The story
/// comes first in the prompt, as for every operation, and the conversation after it: the next
/// turn on the same story reads the story from the cache and only the conversation anew.
extension ChatRequest: WritingOperation {
    package static let answerName = "reply"

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and the conversation..."
        case .evaluating: "Reading the story..."
        case .generatingFeedback: "Writing the reply..."
        case .parsing: "Reading the reply..."
        case .complete: "Reply complete."
        }
    }

    /// Characters of the earlier turns the prompt carries; the latest turns are kept first.
    static let conversationRoom = 6_000
    /// Longest reply, in tokens: a few paragraphs.
    static let longestReply = 400

    /// The turns before the writer's last message that the prompt carries.
    var earlierTurns: ConversationWindow {
        ConversationWindow(Array(messages.dropLast()), room: Self.conversationRoom, assistant: speaker + ": ")
    }

    /// The name the agent's turns go by in the conversation.
    var speaker: String {
        switch agent {
        case .character: character?.name.trimmed ?? characterName?.trimmed ?? "Character"
        case .writer: "Writer's companion"
        case .editor: "Editor"
        case .worldbuilding: "Worldbuilder"
        }
    }

    package func task(names: [String]) -> PromptTask {
        var sections: [String] = []
        if agent == .character, let character { sections.append("# You are \(speaker)\n" + StoryPrompt.describe(character)) }
        if let earlier = earlierTurns.text { sections.append("# Conversation so far\n" + earlier) }
        sections.append("# The writer says\n" + (messages.last?.content.trimmed ?? ""))
        return PromptTask(sections: sections, instructions: instructions)
    }

    private var instructions: String {
        let reply = "Reply to what the writer says, in a few plain paragraphs; write only your reply, without a name before it."
        switch agent {
        case .writer:
            return "You are a fellow novelist helping the writer with the story above: ideas for its plot, scenes, "
                + "characters and prose, grounded in what the story says. " + reply
        case .editor:
            return "You are the writer's editor: say what works in the story above and what does not, and how to mend "
                + "it, pointing to its own scenes and lines. " + reply
        case .worldbuilding:
            return "You keep the world of the story above: its places, peoples, rules and history. Answer from what the "
                + "story establishes, say what it has not established yet, and suggest what would fit and stay "
                + "consistent. " + reply
        case .character:
            let name = speaker
            let who = character.flatMap(CharacterFeedbackRequest.identity).map { "\(name), \($0)" } ?? name
            return "You are \(who), of the story above. Answer the writer as \(name) would, in the first person and in "
                + "\(name)'s own voice: speak only as \(name), never as another character, nor as a narrator. Write only "
                + "what \(name) says, in a few sentences, without a name before it."
        }
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        AnswerPlan(sampling: settings.prose(wanting: Self.longestReply))
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> ChatReply {
        guard let (prose, cut) = ProseAnswer.read(answer.text, stoppedAtLimit: answer.stoppedAtLimit),
              let reply = ChatReplyText.read(prose, speaker: speaker, others: otherSpeakers)
        else { throw OperationFailure(.parsingError, "The model wrote no reply.") }
        var metadata = answer.metadata(truncated: cut)
        let omitted = earlierTurns.omittedTurns
        metadata.omittedTurns = omitted > 0 ? omitted : nil
        return ChatReply(
            reply: reply, agent: agent, characterName: agent == .character ? speaker : nil, conversationId: keptAs,
            contextMetadata: metadata)
    }

    /// Who else a reply might run on into speaking as: the writer, and for a character the story's
    /// other characters (another agent may well write a scene's lines as "Ari: …").
    var otherSpeakers: [String] {
        guard agent == .character else { return ["Writer"] }
        return ["Writer"] + (structuredContext?.characters ?? []).map { $0.name.trimmed }.filter { !$0.isEmpty && $0 != speaker }
    }
}

/// Reads a chat reply: without the speaker's own label before it ("Mara:", "You:"), and ending
/// where the model runs on into another speaker's turn ("Writer:", another character's name),
/// which is not its to write.
enum ChatReplyText {
    static func read(_ text: String, speaker: String, others: [String]) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let own = [speaker, "You", "Assistant", "Me"].map { $0.lowercased() }
        if let first = lines.first, let label = label(of: first), own.contains(label.name.lowercased()) {
            lines[0] = String(first[label.end...]).trimmed
        }
        let strangers = Set(others.map { $0.lowercased() } + ["writer", "user"])
        if let next = lines.indices.dropFirst().first(where: { index in
            label(of: lines[index]).map { strangers.contains($0.name.lowercased()) } ?? false
        }) {
            lines.removeSubrange(next...)
        }
        let reply = lines.joined(separator: "\n").trimmed
        return reply.isEmpty ? nil : reply
    }

    /// "Name:" at the start of a line (bold or not), a few words at most: the name and where the turn's text begins.
    static func label(of line: String) -> (name: String, end: String.Index)? {
        let trimmed = line.drop { $0.isWhitespace }
        guard let colon = trimmed.firstIndex(of: ":") else { return nil }
        let name = trimmed[..<colon].filter { $0 != "*" }.trimmed
        guard !name.isEmpty, name.count <= 40, name.split(separator: " ").count <= 4,
              name.allSatisfy({ $0.isLetter || $0 == " " || $0 == "'" || $0 == "-" || $0 == "." })
        else { return nil }
        var end = trimmed.index(after: colon)
        while end < trimmed.endIndex, trimmed[end] == "*" { end = trimmed.index(after: end) }
        return (name, end)
    }
}
