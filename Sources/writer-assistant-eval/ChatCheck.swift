import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient

/// A conversation of two turns with one of the story's characters, on the story as the library
/// keeps it: whether the character answers in the first person as themselves, and whether the
/// second turn read the story from the cache rather than again (with the time to each turn's
/// first token).
enum ChatCheck {
    static let operation = "chat (a character, two turns)"
    static let questions = ["What do you want most right now?", "And what are you afraid will happen?"]

    static func run(story: QualityCorpus.Story, stored: StoredStory?, on client: WriterAssistantClient) async -> OperationCheck {
        let context = story.structuredContext
        let characters = (context.characters ?? []).map(\.name)
        let character = characters.first ?? story.names.first ?? "the hero"
        let others = characters.dropFirst().map { String($0.split(separator: " ").first ?? Substring($0)) }
        let started = ContinuousClock.now
        var outcome = OperationCheck(operation: operation, genre: story.genre, seconds: 0, truncated: false, checks: [], text: "")
        do {
            var messages: [ConversationMessage] = []
            var replies: [ChatReply] = []
            var waits: [Double] = []
            var conversation: String?
            for question in questions {
                messages.append(ConversationMessage(role: .user, content: question))
                let request = ChatRequest(
                    agent: .character, characterName: character, messages: messages, conversationId: conversation,
                    structuredContext: stored == nil ? context : nil)
                let asked = ContinuousClock.now
                var firstToken: Duration?
                let reply = try await client.events(request, on: stored.map { StoryReference(storyId: $0.id) }, includeTokens: true).result { event in
                    if case .token = event, firstToken == nil { firstToken = .now - asked }
                }
                waits.append((firstToken ?? .now - asked).inSecondsValue)
                conversation = reply.conversationId
                replies.append(reply)
                messages.append(ConversationMessage(role: .assistant, content: reply.reply))
            }
            let texts = replies.map(\.reply)
            let firstPrompt = replies[0].contextMetadata.promptTokens ?? 0
            outcome.checks = [
                OperationCheck.Check(name: "first person, both turns", met: texts.allSatisfy(Self.speaksInTheFirstPerson)),
                OperationCheck.Check(name: "never speaks as another character", met: texts.allSatisfy { !Self.speaksAs(others, in: $0) }),
                OperationCheck.Check(
                    name: "second turn read the story from the cache",
                    met: (replies[1].contextMetadata.cachedTokens ?? 0) >= firstPrompt - 150),
                OperationCheck.Check(name: "does not loop", met: texts.allSatisfy { AnswerQuality.repeatedShare($0) <= AnswerQuality.loopingShare }),
            ]
            outcome.firstTokenSeconds = waits
            outcome.truncated = replies.contains { $0.contextMetadata.truncated == true }
            outcome.text = zip(questions, texts).map { "**Writer**: \($0)<br>**\(character)**: \($1)" }.joined(separator: "<br>")
        } catch WriterAssistantClientError.server(let code, _, _) {
            outcome.errorCode = code.rawValue
        } catch {
            outcome.errorCode = "TRANSPORT"
        }
        outcome.seconds = (ContinuousClock.now - started).inSecondsValue
        return outcome
    }

    /// Whether `text` speaks as "I": a word of the first person singular.
    static func speaksInTheFirstPerson(_ text: String) -> Bool {
        let words = Set(text.lowercased().split { !$0.isLetter && $0 != "'" && $0 != "’" }.map(String.init))
        return !words.isDisjoint(with: ["i", "me", "my", "mine", "myself", "i'm", "i’m", "i've", "i’ve", "i'll", "i’ll", "i'd", "i’d"])
    }

    /// Whether `text` speaks as one of `others`: a line given to them ("Ivo:") or "I am Ivo".
    static func speaksAs(_ others: [String], in text: String) -> Bool {
        let lower = text.lowercased()
        return others.map { $0.lowercased() }.contains { name in
            lower.contains("\n\(name):") || lower.hasPrefix("\(name):") || lower.contains("i am \(name)") || lower.contains("i'm \(name)")
        }
    }
}

extension Duration {
    var inSecondsValue: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
