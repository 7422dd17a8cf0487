import Foundation
public import WriterAssistantAPI
import SQLKit

extension StoryLibrary {
    /// Conversations a story keeps: the latest; the oldest go when a new one would pass it.
    static let mostConversations = 200
    /// Characters of the writer's first turn that name a conversation in its story's list.
    static let titleLength = 80

    /// Keeps a turn of a conversation with the story: the turns the request sent, ending with the
    /// writer's, and the reply, laid after what the conversation already holds where they carry it
    /// on (`ConversationMerge`). Returns how many turns it now has.
    @discardableResult
    public func keepConversation(story id: String, writer: String, turn: KeptTurn) async throws(LibraryFailure) -> Int {
        let story = try Self.storyID(id)
        let now = LibraryClock.now()
        return try await change { db in
            _ = try await Self.head(story, writer: writer, db, forUpdate: true)
            return try await Self.keep(turn, story: story, db, at: now)
        }
    }

    /// Keeps `turn` in its conversation within the caller's transaction, which holds the story's
    /// row for update so that two turns of one conversation are laid one after the other.
    static func keep(_ turn: KeptTurn, story: String, _ db: any SQLDatabase, at now: Int64) async throws -> Int {
        let row = try await db.raw("""
            SELECT messages FROM story_conversations WHERE story_id = \(bind: story) AND id = \(bind: turn.conversation)
            """).first()
        // Turns that cannot be read back are begun again from those sent, rather than losing
        // the answer kept with them.
        let kept = row.flatMap { try? Self.turns(try $0.decode(column: "messages", as: String.self)) }
        let messages = ConversationMerge.merged(kept: kept, sent: turn.sent, reply: turn.reply)
        let stored = String(decoding: try JSONEncoder().encode(messages), as: UTF8.self)
        let first = messages.first { $0.role == .user }?.content ?? ""
        let title = String(first.split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(Self.titleLength))
        try await db.raw("""
            INSERT INTO story_conversations (story_id, id, agent, character_name, title, turns, messages, created_at, updated_at)
            VALUES (\(bind: story), \(bind: turn.conversation), \(bind: turn.agent.rawValue), \(bind: turn.characterName.map(Self.column)),
            \(bind: Self.column(title)), \(bind: messages.count), \(bind: stored), \(bind: now), \(bind: now))
            ON CONFLICT (story_id, id) DO UPDATE SET agent = excluded.agent, character_name = excluded.character_name,
            title = excluded.title, turns = excluded.turns, messages = excluded.messages, updated_at = excluded.updated_at
            """).run()
        try await db.raw("""
            DELETE FROM story_conversations WHERE story_id = \(bind: story) AND id NOT IN (
                SELECT id FROM story_conversations WHERE story_id = \(bind: story)
                ORDER BY updated_at DESC, id LIMIT \(unsafeRaw: "\(Self.mostConversations)"))
            """).run()
        return messages.count
    }

    /// The turns of a conversation as the library stores them.
    private static func turns(_ stored: String) throws -> [ConversationMessage] {
        do {
            return try JSONDecoder().decode([ConversationMessage].self, from: Data(stored.utf8))
        } catch {
            throw LibraryFailure.corrupt("a conversation's turns cannot be read")
        }
    }

    /// The story's conversations, the latest first.
    public func conversations(story id: String, writer: String) async throws(LibraryFailure) -> [ConversationListing] {
        let story = try Self.storyID(id)
        return try await read { db in
            _ = try await Self.head(story, writer: writer, db)
            return try await db.raw("""
                SELECT id, agent, character_name, title, turns, created_at, updated_at FROM story_conversations
                WHERE story_id = \(bind: story) ORDER BY updated_at DESC, id
                """).all().map { row in
                ConversationListing(
                    id: try row.decode(column: "id", as: String.self), agent: try Self.agent(row),
                    characterName: try row.decode(column: "character_name", as: String?.self),
                    title: try row.decode(column: "title", as: String.self), turns: try row.decode(column: "turns", as: Int.self),
                    createdAt: LibraryClock.text(try row.decode(column: "created_at", as: Int64.self)),
                    updatedAt: LibraryClock.text(try row.decode(column: "updated_at", as: Int64.self)))
            }
        }
    }

    /// One of the story's conversations, every turn of it.
    public func conversation(story id: String, writer: String, conversation: String) async throws(LibraryFailure) -> StoredConversation {
        let story = try Self.storyID(id)
        return try await read { db in
            _ = try await Self.head(story, writer: writer, db)
            guard ChatRequest.isConversationName(conversation), let row = try await db.raw("""
                SELECT * FROM story_conversations WHERE story_id = \(bind: story) AND id = \(bind: conversation)
                """).first()
            else { throw LibraryFailure.conversationNotFound("The story has no conversation '\(conversation.prefix(64))'.") }
            let messages = try Self.turns(try row.decode(column: "messages", as: String.self))
            return StoredConversation(
                id: conversation, storyId: story, agent: try Self.agent(row),
                characterName: try row.decode(column: "character_name", as: String?.self),
                messages: messages,
                createdAt: LibraryClock.text(try row.decode(column: "created_at", as: Int64.self)),
                updatedAt: LibraryClock.text(try row.decode(column: "updated_at", as: Int64.self)))
        }
    }

    /// Deletes one of the story's conversations for good.
    public func deleteConversation(story id: String, writer: String, conversation: String) async throws(LibraryFailure) {
        let story = try Self.storyID(id)
        try await change { db in
            _ = try await Self.head(story, writer: writer, db)
            guard ChatRequest.isConversationName(conversation), try await db.raw("""
                SELECT id FROM story_conversations WHERE story_id = \(bind: story) AND id = \(bind: conversation)
                """).first() != nil
            else { throw LibraryFailure.conversationNotFound("The story has no conversation '\(conversation.prefix(64))'.") }
            try await db.raw("DELETE FROM story_conversations WHERE story_id = \(bind: story) AND id = \(bind: conversation)").run()
        }
    }

    private static func agent(_ row: any SQLRow) throws -> ChatAgent {
        let name = try row.decode(column: "agent", as: String.self)
        guard let agent = ChatAgent(rawValue: name) else { throw LibraryFailure.corrupt("a conversation names an unknown agent '\(name)'") }
        return agent
    }
}
