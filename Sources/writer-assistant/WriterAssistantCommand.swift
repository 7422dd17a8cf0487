import ArgumentParser
import Foundation
import WriterAssistantHTTP

@main
struct WriterAssistantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writer-assistant",
        abstract: "Feedback on fiction, and help writing it, from a language model, streamed live.",
        version: writerAssistantVersion,
        subcommands: [
            ServeCommand.self, FeedbackCommand.self, PanelCommand.self, ReviewCommand.self, ChapterCommand.self,
            CharacterCommand.self, OutlineCommand.self, ChatCommand.self, AskCommand.self, StoriesCommand.self, LibraryCommand.self, QuantizeCommand.self,
            SettingsTableCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)

    /// Usage errors exit with 2, the convention the client subcommands document, rather than
    /// the argument parser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}
