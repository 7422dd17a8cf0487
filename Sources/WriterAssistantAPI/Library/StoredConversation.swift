/// A conversation with one of the chat's agents about a stored story, as the library keeps it:
/// every turn, the agent's replies included. A client continues it by sending its `messages` and
/// the next turn to `POST /api/v1/chat` with its `id` as `conversationId`.
public struct StoredConversation: Codable, Sendable, Equatable {
    public var id: String
    public var storyId: String
    public var agent: ChatAgent
    public var characterName: String?
    /// Oldest first.
    public var messages: [ConversationMessage]
    public var createdAt: String
    public var updatedAt: String

    public init(
        id: String, storyId: String, agent: ChatAgent, characterName: String?, messages: [ConversationMessage], createdAt: String,
        updatedAt: String
    ) {
        self.id = id
        self.storyId = storyId
        self.agent = agent
        self.characterName = characterName
        self.messages = messages
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A line of a story's list of conversations.
public struct ConversationListing: Codable, Sendable, Equatable {
    public var id: String
    public var agent: ChatAgent
    public var characterName: String?
    /// The start of the writer's first turn.
    public var title: String
    /// Turns so far, the writer's and the agent's.
    public var turns: Int
    public var createdAt: String
    public var updatedAt: String

    public init(id: String, agent: ChatAgent, characterName: String?, title: String, turns: Int, createdAt: String, updatedAt: String) {
        self.id = id
        self.agent = agent
        self.characterName = characterName
        self.title = title
        self.turns = turns
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The body of `GET /api/v1/stories/{id}/conversations`, the latest first.
public struct ConversationList: Codable, Sendable, Equatable {
    public var conversations: [ConversationListing]

    public init(conversations: [ConversationListing]) {
        self.conversations = conversations
    }
}
