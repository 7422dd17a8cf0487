import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// A chat turn: who may be asked, what the prompt carries of a long conversation, and how a reply
/// is read from what a model writes.
@Suite struct ChatTests {
    static func request(_ messages: [ConversationMessage]) -> ChatRequest {
        request(.writer, messages)
    }

    static func request(_ agent: ChatAgent, character: String? = nil, _ messages: [ConversationMessage]) -> ChatRequest {
        ChatRequest(agent: agent, characterName: character, messages: messages, structuredContext: OperationSamples.story)
    }

    static func turn(_ role: ConversationMessage.Role, _ content: String) -> ConversationMessage {
        ConversationMessage(role: role, content: content)
    }

    @Test func aRequestIsRefusedWhereItCannotBeAnswered() {
        func issues(_ request: ChatRequest) -> [String] {
            var request = request
            return request.validate().map { issue in
                issue.loc.map { component in
                    switch component {
                    case .key(let key): key
                    case .index(let index): String(index)
                    }
                }.joined(separator: ".") + " " + issue.type
            }
        }
        #expect(issues(Self.request([])) == ["body.messages too_short"])
        #expect(issues(Self.request([Self.turn(.user, "Hi"), Self.turn(.assistant, "Hello")])) == ["body.messages.1.role value_error"])
        #expect(issues(Self.request([Self.turn(.user, "  ")])) == ["body.messages.0.content string_too_short"])
        let long = String(repeating: "é", count: ChatRequest.longestMessage + 1)
        #expect(issues(Self.request([Self.turn(.user, long)])) == ["body.messages.0.content string_too_long"])
        let many = Array(repeating: Self.turn(.user, "Hi"), count: ChatRequest.mostMessages + 1)
        #expect(issues(Self.request(many)) == ["body.messages too_long"])
        #expect(issues(Self.request(.character, [Self.turn(.user, "Hi")])) == ["body.characterName missing"])
        #expect(issues(Self.request(.character, character: "Zed", [Self.turn(.user, "Hi")])) == ["body.characterName value_error"])
        #expect(issues(Self.request(.character, character: " ari ", [Self.turn(.user, "Hi")])).isEmpty)
        var named = Self.request([Self.turn(.user, "Hi")])
        named.conversationId = "../other story"
        #expect(issues(named) == ["body.conversationId string_pattern_mismatch"])

        // Another agent answers as itself, whatever character is named.
        var editor = Self.request(.editor, character: "Zed", [Self.turn(.user, "Hi")])
        #expect(editor.validate().isEmpty)
        #expect(editor.characterName == nil)
        #expect(editor.historySubject == "editor")
    }

    @Test func aConversationKeepsItsLatestTurnsWithinItsRoom() {
        let turns = (1...6).map { Self.turn($0 % 2 == 1 ? .user : .assistant, "Turn \($0) " + String(repeating: "x", count: 90)) }
        let whole = ConversationWindow(turns, room: 10_000)
        #expect(whole.omittedTurns == 0)
        #expect(whole.text?.components(separatedBy: "\n").count == 6)
        #expect(whole.text?.hasPrefix("Writer: Turn 1") == true)

        // Room for two turns and the end of a third: the oldest three left out, the fourth cut.
        let window = ConversationWindow(turns, room: 2 * 108 + 60)
        let lines = window.text?.components(separatedBy: "\n") ?? []
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("You: …") && !lines[0].contains("Turn 4"))
        #expect(lines[1].hasPrefix("Writer: Turn 5") && lines[2].hasPrefix("You: Turn 6"))
        #expect(window.omittedTurns == 4)
        #expect((window.text?.unicodeScalars.count ?? 0) <= 2 * 108 + 60)

        let empty = ConversationWindow([], room: 100)
        #expect(empty.text == nil && empty.omittedTurns == 0)
    }

    @Test func theWritersLastTurnIsAlwaysReadAndTheOmittedTurnsAreSaid() throws {
        let earlier = (1...80).map { Self.turn($0 % 2 == 1 ? .user : .assistant, String(repeating: "word ", count: 40)) }
        let request = Self.request(earlier + [Self.turn(.user, "So what happens at the door?")])
        let task = request.task(names: [])
        #expect(task.sections.last == "# The writer says\nSo what happens at the door?")
        #expect(task.sections.contains { $0.hasPrefix("# Conversation so far\n") })
        let reply = try request.result(from: OperationTests.finished("Open it slowly."))
        #expect(reply.reply == "Open it slowly.")
        let omitted = try #require(reply.contextMetadata.omittedTurns)
        #expect(omitted > 40 && omitted < 80)
        #expect(try Self.request([Self.turn(.user, "Hi")]).result(from: OperationTests.finished("Hello.")).contextMetadata.omittedTurns == nil)
    }

    @Test func aCharacterAnswersInTheirOwnVoiceFromTheirSheet() throws {
        var request = OperationSamples.chat
        #expect(request.validate().isEmpty)
        let task = request.task(names: [])
        #expect(task.sections.first?.hasPrefix("# You are Ari\n") == true)
        #expect(task.instructions.contains("in the first person"))
        #expect(task.instructions.contains("never as another character"))
        #expect(task.sections.contains("# Conversation so far\nWriter: What do you hear at night?\nAri: The trees, whispering past the fence."))
        let reply = try request.result(from: OperationTests.finished(OperationSamples.answer(to: ChatRequest.operationName)))
        #expect(reply.reply == "Because the door down there hums the same song the trees do, and I have to know who taught it to them.")
        #expect(reply.characterName == "Ari" && reply.agent == .character)
        #expect(reply.conversationId == nil)
        // A conversation named on a story sent along is not kept: the reply names none.
        request.conversationId = "talk"
        #expect(try request.result(from: OperationTests.finished("Yes.")).conversationId == nil)
        #expect(request.keptTurn(of: reply) == nil)
        // On a stored story the turn is kept in a conversation: the one named, or a new one.
        request.willBeKept(newName: "new-talk")
        let kept = try request.result(from: OperationTests.finished("Yes."))
        #expect(kept.conversationId == "talk")
        #expect(request.keptTurn(of: kept) == KeptTurn(
            conversation: "talk", agent: .character, characterName: "Ari", sent: request.messages,
            reply: ConversationMessage(role: .assistant, content: "Yes.")))
        // When the library failed to keep it, the reply names no conversation.
        #expect(request.notKept(kept).conversationId == nil)
        #expect(request.notKept(kept).reply == "Yes.")
        request.conversationId = nil
        request.willBeKept(newName: "new-talk")
        #expect(request.keptAs == "new-talk")
    }

    @Test(arguments: [
        ("**Ari:** I will go.", "I will go."),
        ("You: I will go.\n\nWriter: Will you?", "I will go."),
        ("I will go.\nTomas: You will not.", "I will go."),
        ("I will go. Note: the door is old.", "I will go. Note: the door is old."),
        ("Note: the door is old.", "Note: the door is old."),
        ("Later that night:\nI went.", "Later that night:\nI went."),
    ])
    func aReplyLosesItsOwnLabelAndEndsWhereAnotherSpeakerBegins(_ written: String, _ read: String) {
        #expect(ChatReplyText.read(written, speaker: "Ari", others: ["Writer", "Tomas"]) == read)
    }

    /// An editor or a fellow writer may write a scene's lines: only the writer's turn ends a reply.
    @Test func anotherAgentKeepsTheCharactersLinesItWrites() throws {
        let request = Self.request(.editor, [Self.turn(.user, "Show me the scene.")])
        let reply = try request.result(from: OperationTests.finished("Try this:\nAri: I won't go.\nWriter: Thanks"))
        #expect(reply.reply == "Try this:\nAri: I won't go.")
        let history = OperationSamples.chat.historyRecord
        #expect(history.messages == [Self.turn(.user, "Why do you go to the basement?")])
    }

    @Test func aReplyOfOnlyALabelIsNoReply() {
        #expect(ChatReplyText.read("Ari:", speaker: "Ari", others: ["Writer"]) == nil)
        #expect(throws: OperationFailure.self) { try Self.request([Self.turn(.user, "Hi")]).result(from: OperationTests.finished("  \n")) }
    }
}
