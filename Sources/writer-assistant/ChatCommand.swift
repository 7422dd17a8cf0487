import ArgumentParser
import Foundation
import WriterAssistantAPI
import WriterAssistantClient

struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Talk about the story with an agent: a fellow writer, one of its characters, an editor or a worldbuilder.",
        discussion: """
            The agent reads the story (--story or --story-id) and the conversation so far, and writes the next turn. \
            With --conversation, a file keeps the turns, so that the next message follows on from them. On a stored \
            story (--story-id) the server keeps the conversation too: the reply names it, and --continue <id> carries \
            it on from the server's copy. The latest \(ChatRequest.mostMessages) turns are sent; the oldest that do not \
            fit the model's room are left out, as context_metadata.omitted_turns says.

            Exit codes: 0 success, 2 usage error, 3 the server reported an error, 4 the server could not be reached.
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "Your message.")
    var message: String

    @Option(help: ArgumentHelp(
        "Who answers (writer by default; with --continue, the conversation's own).",
        valueName: ChatAgent.allCases.map(\.rawValue).joined(separator: "|")))
    var agent: String?

    @Option(help: "With --agent character: the character who answers, one of the story's.")
    var character: String?

    @Option(help: ArgumentHelp(
        "A JSON file of the conversation so far (a list of {role, content}); read before sending, your message and the reply added after.",
        valueName: "file"))
    var conversation: String?

    @Option(name: .customLong("continue"), help: ArgumentHelp("With --story-id: a conversation the server keeps, to carry on.", valueName: "id"))
    var continued: String?

    @Flag(help: "Print only the result object, as JSON.")
    var json = false

    func run() async throws {
        var chosen: ChatAgent?
        if let agent {
            guard let known = ChatAgent(rawValue: agent) else {
                throw ValidationError("--agent is one of " + ChatAgent.allCases.map(\.rawValue).joined(separator: ", ") + ".")
            }
            chosen = known
        }
        var character = character
        guard client.story != nil || client.storyId != nil else {
            throw ValidationError("Give the story to talk about: --story or --story-id.")
        }
        guard continued == nil || client.storyId != nil else { throw ValidationError("--continue needs --story-id.") }
        guard continued == nil || conversation == nil else { throw ValidationError("Give --conversation or --continue, not both.") }
        var earlier: [ConversationMessage] = try conversation.flatMap(AskCommand.messages(in:)) ?? []
        if let continued, let storyId = client.storyId {
            // Carried on with whom it was with, unless told otherwise.
            let kept = try await fetch(continued, of: storyId)
            earlier = kept.messages
            if chosen == nil { chosen = kept.agent }
            if character == nil { character = kept.characterName }
        }
        let messages = Array((earlier + [ConversationMessage(role: .user, content: message)]).suffix(ChatRequest.mostMessages))
        let request = ChatRequest(
            agent: chosen ?? .writer, characterName: character, messages: messages, conversationId: continued, structuredContext: try client.loadStory())
        let reply = try await OperationRun(client: client, json: json).run(request, label: "Reply", prose: { (result: ChatReply) in result.reply }) { result in
            result.conversationId.map { "(kept in the story's conversation \($0): carry on with --continue \($0))" } ?? ""
        }
        if let conversation {
            let turns = earlier + [ConversationMessage(role: .user, content: message), ConversationMessage(role: .assistant, content: reply.reply)]
            try AskCommand.save(turns, to: conversation)
        }
    }

    private func fetch(_ conversation: String, of story: String) async throws -> StoredConversation {
        do {
            return try await client.withClient { api in try await api.conversation(conversation, of: story) }
        } catch {
            throw ClientExit.report(error)
        }
    }
}
