import ServiceLifecycle
import WriterAssistantCore

/// Writes the summaries of chapters that prompts leave out, in the background, while the server
/// runs; a shutdown abandons the summary being written (it is written again when next asked for).
struct ChapterSummaryService: Service {
    let summaries: ChapterSummaries

    func run() async throws {
        await cancelWhenGracefulShutdown { await summaries.run() }
    }
}
