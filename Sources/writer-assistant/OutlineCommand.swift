import ArgumentParser
import WriterAssistantAPI

struct OutlineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outline",
        abstract: "Plan the story's chapters from its plot outline: each with a title, a summary, its characters and plot points.",
        discussion: """
            The plot outline is structured_context.plotContext.plotOutline: a list (one plot point per item), prose (one \
            per sentence) or one sentence of beats between commas (one per beat). Every plot point is covered once, in order.

            Exit codes: 0 success, 2 usage error, 3 the server reported an error, 4 the server could not be reached.
            """)

    @OptionGroup var client: ClientOptions

    @Option(help: "How many chapters (\(GenerateChapterOutlinesRequest.chapterCounts.lowerBound)–\(GenerateChapterOutlinesRequest.chapterCounts.upperBound), at most one per plot point; by default one for every two plot points).")
    var chapters: Int?

    @Flag(help: "Print only the result object, as JSON.")
    var json = false

    func run() async throws {
        guard client.story != nil || client.storyId != nil else {
            throw ValidationError("Give the story whose plot outline to plan from: --story or --story-id.")
        }
        let request = GenerateChapterOutlinesRequest(chapterCount: chapters, structuredContext: try client.loadStory())
        try await OperationRun(client: client, json: json).run(request, label: "Outlines") { result in
            result.outlines.map { outline in
                var lines = ["Chapter \(outline.number): \(outline.title)"]
                if !outline.summary.isEmpty { lines.append(outline.summary) }
                if !outline.characters.isEmpty { lines.append("Characters: " + outline.characters.joined(separator: ", ")) }
                lines += outline.plotPoints.map { "- \($0)" }
                return lines.joined(separator: "\n")
            }.joined(separator: "\n\n")
        }
    }
}
