import ArgumentParser
import Foundation
import WriterAssistantAPI
import WriterAssistantClient

struct PanelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panel",
        abstract: "Ask a panel of raters at once, with one live progress line per rater.",
        discussion: """
            raters.json is a list of {"name": ..., "prompt": ...} objects. Exit codes: 0 every rater \
            answered, 2 usage error, 3 the server reported an error for a rater, 4 the server could \
            not be reached.
            """)

    struct Rater: Codable, Sendable {
        var name: String
        var prompt: String
    }

    @OptionGroup var client: ClientOptions

    @Option(help: "The plot point to get feedback on.")
    var plot: String

    @Option(help: ArgumentHelp("A JSON file listing the raters.", valueName: "raters.json"))
    var raters: String

    @Flag(help: "Print the results as a JSON array.")
    var json = false

    func run() async throws {
        let panel = try loadRaters()
        let story = try client.loadStory()
        let display = ProgressDisplay(names: panel.map(\.name))
        let outcomes: [Result<RaterFeedbackResult, any Error>]
        do {
            outcomes = try await client.withClient { api in
                // Fails fast and clearly when nobody is listening, rather than once per rater.
                _ = try await api.health()
                let requests = panel.map { rater in
                    RaterFeedbackRequest(raterPrompt: rater.prompt, plotPoint: plot, raterName: rater.name, structuredContext: story)
                }
                return await Self.run(requests, on: api, story: client.storyReference) { index, event in display.update(index, with: event) }
            }
        } catch {
            throw ClientExit.report(error)
        }
        try printResults(outcomes, panel: panel)
    }

    private enum Update: Sendable {
        case event(Int, StreamEvent)
        case finished(Int, Result<RaterFeedbackResult, any Error>)
    }

    /// Streams every request at once, handing each event to `observe` (on this task) as it arrives.
    private static func run(
        _ requests: [RaterFeedbackRequest],
        on api: WriterAssistantClient,
        story: StoryReference?,
        observe: (Int, StreamEvent) -> Void
    ) async -> [Result<RaterFeedbackResult, any Error>] {
        let (updates, continuation) = AsyncStream.makeStream(of: Update.self)
        return await withDiscardingTaskGroup { group in
            for (index, request) in requests.enumerated() {
                group.addTask {
                    do {
                        let result = try await api.events(request, on: story).result { continuation.yield(.event(index, $0)) }
                        continuation.yield(.finished(index, .success(result)))
                    } catch {
                        continuation.yield(.finished(index, .failure(error)))
                    }
                }
            }
            var outcomes = [Result<RaterFeedbackResult, any Error>?](repeating: nil, count: requests.count)
            var remaining = requests.count
            for await update in updates {
                switch update {
                case .event(let index, let event):
                    observe(index, event)
                case .finished(let index, let outcome):
                    outcomes[index] = outcome
                    remaining -= 1
                }
                if remaining == 0 { break }
            }
            return outcomes.compactMap { $0 }
        }
    }

    private func printResults(_ outcomes: [Result<RaterFeedbackResult, any Error>], panel: [Rater]) throws {
        let results = outcomes.compactMap { try? $0.get() }
        if json {
            print(try FeedbackPrinter.json(results))
        } else {
            print("\n" + results.map(FeedbackPrinter.text).joined(separator: "\n\n"))
        }
        if let failure = outcomes.first(where: { if case .failure = $0 { true } else { false } }), case .failure(let error) = failure {
            throw ClientExit.report(error)
        }
    }

    private func loadRaters() throws -> [Rater] {
        do {
            let list = try JSONDecoder().decode([Rater].self, from: Data(contentsOf: URL(fileURLWithPath: raters)))
            guard !list.isEmpty else { throw ValidationError("\(raters) lists no raters.") }
            return list
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(raters) must be a JSON list of {\"name\", \"prompt\"} objects: \(error)")
        }
    }
}
