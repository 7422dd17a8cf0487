import ArgumentParser
import Foundation
import WriterAssistantAPI
import WriterAssistantClient

struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Ask one rater for feedback on a plot point, showing progress as it happens.",
        discussion: """
            Exit codes: 0 success, 2 usage error, 3 the server reported an error (its error code is \
            printed), 4 the server could not be reached.
            """)

    @OptionGroup var client: ClientOptions

    @Option(help: "The plot point to get feedback on.")
    var plot: String

    @Option(help: "The rater's prompt: the critic persona.")
    var rater: String

    @Option(help: "A name for the rater, echoed in the result.")
    var raterName: String?

    @Flag(help: "Print only the result object, as JSON.")
    var json = false

    @Flag(help: "Use the synchronous endpoint: no progress, just the result.")
    var noStream = false

    func run() async throws {
        let request = RaterFeedbackRequest(
            raterPrompt: rater, plotPoint: plot, raterName: raterName, structuredContext: try client.loadStory())
        let result: RaterFeedbackResult
        do {
            result = try await client.withClient { api in
                if noStream || json { return try await api.perform(request, on: client.storyReference) }
                let display = ProgressDisplay(names: [raterName ?? "Rater"])
                return try await api.events(request, on: client.storyReference).result { display.update(0, with: $0) }
            }
        } catch {
            throw ClientExit.report(error)
        }
        print(json ? try FeedbackPrinter.json(result) : "\n" + FeedbackPrinter.text(result))
    }
}
