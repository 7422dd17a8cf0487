import ArgumentParser
import Foundation
import WriterAssistantAPI

struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask",
        abstract: "Ask a question about your stories: answered from the library's passages, each citation checked word for word.",
        discussion: """
            The server searches every story of your library (with API keys, the library of the key's writer) for the \
            passages that bear on the question, and the answer quotes them. With --conversation, the file keeps the \
            questions and answers, so that the next question can follow up on them ("and after that?"); the latest \
            \(ArchiveQuestionRequest.mostMessages) turns are sent. --story, --story-id and --chapter-number do not apply.

            Exit codes: 0 success, 2 usage error, 3 the server reported an error, 4 the server could not be reached.
            """)

    @OptionGroup var client: ClientOptions

    @Argument(help: "The question.")
    var question: String

    @Option(help: ArgumentHelp(
        "A JSON file of the conversation so far (a list of {role, content}); read before asking, the question and answer added after.",
        valueName: "file"))
    var conversation: String?

    @Flag(help: "Print only the result object, as JSON.")
    var json = false

    func run() async throws {
        guard client.story == nil, client.storyId == nil, client.chapterNumber == nil else {
            throw ValidationError("ask searches your whole library: --story, --story-id and --chapter-number do not apply.")
        }
        let messages = try conversation.map(Self.messages(in:)) ?? nil
        // The server reads the latest turns; it refuses more than it takes.
        let request = ArchiveQuestionRequest(question: question, messages: messages.map { Array($0.suffix(ArchiveQuestionRequest.mostMessages)) })
        let answer = try await OperationRun(client: client, json: json).run(request, label: "Answer", show: Self.describe)
        if let conversation {
            let turns = (messages ?? []) + [
                ConversationMessage(role: .user, content: question), ConversationMessage(role: .assistant, content: answer.answer),
            ]
            try AskCommand.save(turns, to: conversation)
        }
    }

    /// Keeps `turns` in `path` for the next question (or chat turn) to follow on from.
    static func save(_ turns: [ConversationMessage], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(turns).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The turns kept in `path`; none when the file does not exist yet or is empty.
    static func messages(in path: String) throws -> [ConversationMessage]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(path) cannot be read.")
        }
        if data.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) { return nil }
        guard let turns = try? JSONDecoder().decode([ConversationMessage].self, from: data)
        else { throw ValidationError("\(path) is not a conversation: a JSON list of {\"role\": \"user\"|\"assistant\", \"content\"}.") }
        return turns
    }

    static func describe(_ result: ArchiveAnswer) -> String {
        var lines = [result.answer]
        if !result.citations.isEmpty {
            lines.append("")
            lines += result.citations.enumerated().map { index, citation in
                "[\(index + 1)] \"\(citation.title)\", chapter \(citation.chapter), paragraph \(citation.paragraph): \"\(citation.text)\""
            }
        }
        if let unverified = result.unverifiedCitations {
            lines.append("(\(unverified) quote\(unverified == 1 ? " was" : "s were") not one of the passages' sentences, left out)")
        }
        return lines.joined(separator: "\n")
    }
}
