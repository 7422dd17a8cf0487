import ArgumentParser
import WriterAssistantAPI
import WriterAssistantCore

struct ChapterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chapter",
        abstract: "Write the next chapter, revise one, or flesh out a passage; the prose is printed as it is written.",
        discussion: "Exit codes: 0 success, 2 usage error, 3 the server reported an error, 4 the server could not be reached.",
        subcommands: [Write.self, Revise.self, FleshOut.self])

    struct Write: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the next chapter from a plot point.")

        @OptionGroup var client: ClientOptions

        @Option(help: "What happens in the chapter.")
        var plot: String

        @Option(help: "About how many words (\(GenerateChapterRequest.targetWordRange.lowerBound)–\(GenerateChapterRequest.targetWordRange.upperBound)).")
        var words: Int?

        @Flag(help: "Print only the result object, as JSON.")
        var json = false

        func run() async throws {
            let request = GenerateChapterRequest(plotPoint: plot, structuredContext: try client.loadStory(), targetWords: words)
            try await OperationRun(client: client, json: json).run(request, label: "Chapter", prose: \.chapterText) {
                ChapterCommand.footer(words: $0.wordCount, metadata: $0.contextMetadata)
            }
        }
    }

    struct Revise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revise a chapter as asked in words.")

        @OptionGroup var client: ClientOptions

        @Option(help: ArgumentHelp("The chapter to revise ('-' reads standard input).", valueName: "chapter.txt"))
        var chapter: String

        @Option(help: "What to change, in words.")
        var request: String

        @Option(help: ArgumentHelp(
            "Revise until done: check the revision against each change and revise again for what is missing, up to this many rounds (\(ModifyChapterRequest.roundCounts.lowerBound)–\(ModifyChapterRequest.roundCounts.upperBound)).",
            valueName: "n"))
        var rounds: Int?

        @Option(name: .customLong("change"), help: "A change to check for, one per option (by default the request's list items or sentences).")
        var changes: [String] = []

        @Flag(help: "Print only the result object, as JSON.")
        var json = false

        func run() async throws {
            let body = ModifyChapterRequest(
                currentChapter: try ClientOptions.text(of: chapter, option: "--chapter"), userRequest: request,
                maxRounds: rounds, changes: changes.isEmpty ? nil : changes, structuredContext: try client.loadStory())
            try await OperationRun(client: client, json: json).run(body, label: "Revision") { result in
                "Changes: \(result.changesSummary)\n\(Self.checked(result))\n\(result.modifiedChapter)\n\n"
                    + ChapterCommand.footer(words: result.wordCount, metadata: result.contextMetadata)
            }
        }

        /// Each checked change, confirmed or missing, and the rounds it took.
        static func checked(_ result: ModifyChapterResult) -> String {
            guard let changes = result.changes, let rounds = result.rounds else { return "" }
            let lines = changes.map { change in
                (change.confirmed ? "  [made] " : "  [missing] ") + change.change + (change.passage.map { " — \"\($0)\"" } ?? "")
                    + (change.removedPassage.map { " — cut: \"\($0)\"" } ?? "")
            }
            let chosen = result.chosenRound.flatMap { $0 == rounds ? nil : " (the revision of round \($0), which made the most)" } ?? ""
            return "Checked after \(rounds) round\(rounds == 1 ? "" : "s"): \(result.confirmedChanges) of \(changes.count) changes made\(chosen)\n"
                + (result.roundsNote.map { "\($0)\n" } ?? "") + lines.joined(separator: "\n") + "\n"
        }
    }

    struct FleshOut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "flesh-out", abstract: "Write a sketchy passage out in full.")

        @OptionGroup var client: ClientOptions

        @Option(help: ArgumentHelp("The passage ('-' reads standard input).", valueName: "passage.txt"))
        var passage: String

        @Option(help: "What to add, or the text around the passage.")
        var context: String?

        @Flag(help: "Print only the result object, as JSON.")
        var json = false

        func run() async throws {
            let request = FleshOutRequest(
                textToFleshOut: try ClientOptions.text(of: passage, option: "--passage"), context: context,
                structuredContext: try client.loadStory())
            try await OperationRun(client: client, json: json).run(request, label: "Passage", prose: \.fleshedOutText) {
                ChapterCommand.footer(words: ProseAnswer.wordCount($0.fleshedOutText), metadata: $0.contextMetadata)
            }
        }
    }

    static func footer(words: Int, metadata: ContextMetadata) -> String {
        "(\(words) words" + (metadata.truncated == true ? "; the token limit ended it at its last complete sentence" : "") + ")"
    }
}
