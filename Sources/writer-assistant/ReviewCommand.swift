import ArgumentParser
import WriterAssistantAPI

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Ask the editor to review a chapter: suggestions by priority, each quoting its passage.",
        discussion: "Exit codes: 0 success, 2 usage error, 3 the server reported an error, 4 the server could not be reached.")

    @OptionGroup var client: ClientOptions

    @Option(help: ArgumentHelp("The chapter to review, as a text file ('-' reads standard input).", valueName: "chapter.txt"))
    var chapter: String

    @Flag(help: "Print only the result object, as JSON.")
    var json = false

    func run() async throws {
        let request = EditorReviewRequest(
            chapterToReview: try ClientOptions.text(of: chapter, option: "--chapter"), structuredContext: try client.loadStory())
        try await OperationRun(client: client, json: json).run(request, label: "Editor") { result in
            result.suggestions.enumerated().map { number, item in
                "\(number + 1). [\(item.priority.rawValue)] \(item.issue)\n   → \(item.suggestion)"
            }.joined(separator: "\n")
        }
    }
}
