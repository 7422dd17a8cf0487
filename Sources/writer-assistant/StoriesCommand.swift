import ArgumentParser
import Foundation
import WriterAssistantAPI
import WriterAssistantClient

/// The writer's library from the command line: the stories the server keeps, out and back in.
struct StoriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stories",
        abstract: "List, export and import the stories the server keeps.",
        discussion: """
            Run an operation on a stored story with --story-id ID on its own subcommand (feedback, panel, review, \
            chapter, character). Exit codes: 0 success, 2 usage error, 3 the server reported an error, 4 the server \
            could not be reached.
            """,
        subcommands: [List.self, Export.self, Import.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The writer's stories, most recently saved first.")

        @OptionGroup var client: ClientOptions

        @Flag(help: "The stories in the trash instead.")
        var trash = false

        @Flag(help: "Print the list as JSON.")
        var json = false

        func run() async throws {
            let stories = try await StoriesCommand.call(client) { try await $0.stories(trash: trash) }
            if json {
                print(try FeedbackPrinter.json(StoryList(stories: stories)))
                return
            }
            for story in stories {
                print("\(story.id)  v\(story.version)  \(story.wordCount) words  \(story.updatedAt)  \(story.title)")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A story as a Markdown manuscript, or as JSON that 'stories import' takes back.")

        @OptionGroup var client: ClientOptions

        @Argument(help: "The story's id.")
        var id: String

        @Option(help: "markdown or json.")
        var format = "json"

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var output: String?

        func validate() throws {
            guard ["markdown", "json"].contains(format) else { throw ValidationError("--format is markdown or json (got '\(format)').") }
        }

        func run() async throws {
            let data = try await StoriesCommand.call(client) { try await $0.exportStory(id, markdown: format == "markdown") }
            if let output {
                do {
                    try data.write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw ValidationError("Cannot write \(output): \(error.localizedDescription)")
                }
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A story from a JSON file (as 'stories export' writes it, or the web app's export), kept as a new story.")

        @OptionGroup var client: ClientOptions

        @Argument(help: ArgumentHelp("The JSON file ('-' reads standard input).", valueName: "story.json"))
        var file: String

        @Option(help: "The title, when the file has none or another is wanted.")
        var title: String?

        func run() async throws {
            let text = try ClientOptions.text(of: file, option: "file")
            let document = try Self.document(from: Data(text.utf8), title: title)
            let story = try await StoriesCommand.call(client) { try await $0.createStory(document) }
            print(story.id)
        }

        /// A story document, or a bare `structured_context` under a title.
        static func document(from data: Data, title: String?) throws -> StoryDocument {
            let decoder = JSONDecoder()
            if var document = try? decoder.decode(StoryDocument.self, from: data) {
                if let title { document.title = title }
                return document
            }
            guard let context = try? decoder.decode(StructuredContext.self, from: data),
                (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
            else {
                throw ValidationError("The file is neither a story (with a title) nor a structured_context.")
            }
            guard let title else { throw ValidationError("The file has no title: give one with --title.") }
            return StoryDocument(title: title, structuredContext: context)
        }
    }

    /// Runs `body` with a client, reporting a failure with its exit code.
    static func call<T>(_ client: ClientOptions, _ body: (WriterAssistantClient) async throws -> T) async throws -> T {
        do {
            return try await client.withClient(body)
        } catch {
            throw ClientExit.report(error)
        }
    }
}
