/// Who a writer talks to in a chat about their story.
public enum ChatAgent: String, Codable, Sendable, CaseIterable {
    /// A fellow writer: ideas for the story, its scenes and its prose.
    case writer
    /// One of the story's characters, answering in their own voice (`characterName`).
    case character
    /// An editor: what works, what does not, and how to mend it.
    case editor
    /// A keeper of the story's world: its places, rules, history and consistency.
    case worldbuilding
}

/// The body of `POST /api/v1/chat`: the next reply of an agent in a conversation about the story.
/// `messages` is the conversation so far, oldest first, ending with the writer's turn. On a stored
/// story (`storyId`) the conversation is kept in the library under `conversationId`.
public struct ChatRequest: OperationRequest {
    public typealias Result = ChatReply
    public static let operationName = "chat"

    /// Most turns a request may carry; the reply reads the latest that fit its room.
    public static let mostMessages = 200
    /// Longest turn of a conversation.
    public static let longestMessage = 8_000
    /// Longest conversation name a client may choose.
    public static let longestConversationId = 64

    public var agent: ChatAgent
    /// With the `character` agent: one of `structured_context.characters`.
    public var characterName: String?
    public var messages: [ConversationMessage]
    /// On a stored story: the conversation this turn continues, or a name for a new one. The
    /// server names a new conversation when the request does not.
    public var conversationId: String?
    public var structuredContext: StructuredContext?

    public init(
        agent: ChatAgent, characterName: String? = nil, messages: [ConversationMessage], conversationId: String? = nil,
        structuredContext: StructuredContext? = nil
    ) {
        self.agent = agent
        self.characterName = characterName
        self.messages = messages
        self.conversationId = conversationId
        self.structuredContext = structuredContext
    }

    public var historySubject: String? { agent == .character ? character?.name ?? characterName : agent.rawValue }

    /// The character the request names, as the story describes them.
    public var character: StoryCharacter? {
        characterName.flatMap { structuredContext?.character(named: $0) }
    }

    public mutating func validate() -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if characterName?.allSatisfy(\.isWhitespace) == true { characterName = nil }
        if messages.isEmpty {
            issues.append(ValidationIssue(loc: ["body", "messages"], msg: "List should have at least 1 item", type: "too_short"))
        } else if messages.last?.role != .user {
            issues.append(ValidationIssue(
                loc: ["body", "messages", .index(messages.count - 1), "role"], msg: "The last turn is the writer's: role \"user\"",
                type: "value_error"))
        }
        if messages.count > Self.mostMessages {
            issues.append(ValidationIssue(loc: ["body", "messages"], msg: "List should have at most \(Self.mostMessages) items", type: "too_long"))
        }
        for (index, message) in messages.enumerated() {
            if message.content.unicodeScalars.count > Self.longestMessage {
                issues.append(ValidationIssue(
                    loc: ["body", "messages", .index(index), "content"],
                    msg: "String should have at most \(Self.longestMessage) characters", type: "string_too_long"))
            } else if message.role == .user, message.content.allSatisfy(\.isWhitespace) {
                issues.append(ValidationIssue(
                    loc: ["body", "messages", .index(index), "content"], msg: "String should have at least 1 character",
                    type: "string_too_short"))
            }
        }
        if let conversationId, !Self.isConversationName(conversationId) {
            issues.append(ValidationIssue(
                loc: ["body", "conversationId"],
                msg: "At most \(Self.longestConversationId) letters, digits, '-' and '_'", type: "string_pattern_mismatch"))
        }
        switch agent {
        case .character where characterName == nil:
            issues.append(ValidationIssue(
                loc: ["body", "characterName"], msg: "The character agent needs the name of one of the story's characters",
                type: "missing"))
        case .character where character == nil:
            issues.append(.unknownCharacter(in: structuredContext))
        case .character: break
        default: characterName = nil
        }
        return issues
    }

    /// On a stored story, the conversation the turn is kept in: the one named, or a new one. Nil
    /// when nothing is kept (a story sent along), whatever `conversationId` says.
    public private(set) var keptAs: String?

    public mutating func willBeKept(newName: String) {
        keptAs = conversationId ?? newName
    }

    public func keptTurn(of result: ChatReply) -> KeptTurn? {
        keptAs.map { conversation in
            KeptTurn(
                conversation: conversation, agent: agent, characterName: result.characterName, sent: messages,
                reply: ConversationMessage(role: .assistant, content: result.reply))
        }
    }

    public func notKept(_ result: ChatReply) -> ChatReply {
        var result = result
        result.conversationId = nil
        return result
    }

    public var historyRecord: ChatRequest {
        var request = self
        request.messages = Array(messages.suffix(1))
        return request
    }

    /// Whether `name` may name a conversation: a short word of ASCII letters, digits, '-' and '_'.
    public static func isConversationName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= longestConversationId
            && name.utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0)
                || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }

    enum CodingKeys: String, CodingKey {
        case agent, characterName, messages, conversationId
        case structuredContext = "structured_context"
    }
}

/// A turn of a chat a stored story keeps in one of its conversations: the turns the request sent,
/// ending with the writer's, and the agent's reply.
public struct KeptTurn: Sendable, Equatable {
    /// The conversation's name within its story.
    public var conversation: String
    public var agent: ChatAgent
    /// With the `character` agent: who answered.
    public var characterName: String?
    public var sent: [ConversationMessage]
    public var reply: ConversationMessage

    public init(conversation: String, agent: ChatAgent, characterName: String?, sent: [ConversationMessage], reply: ConversationMessage) {
        self.conversation = conversation
        self.agent = agent
        self.characterName = characterName
        self.sent = sent
        self.reply = reply
    }
}

public struct ChatReply: OperationResult {
    /// The agent's next turn.
    public var reply: String
    public var agent: ChatAgent
    /// With the `character` agent: who answered, as the story names them.
    public var characterName: String?
    /// On a stored story: the conversation the turn is kept in, to send with the next turn.
    public var conversationId: String?
    public var contextMetadata: ContextMetadata

    public init(reply: String, agent: ChatAgent, characterName: String? = nil, conversationId: String? = nil, contextMetadata: ContextMetadata) {
        self.reply = reply
        self.agent = agent
        self.characterName = characterName
        self.conversationId = conversationId
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case reply, agent, characterName, conversationId
        case contextMetadata = "context_metadata"
    }
}
