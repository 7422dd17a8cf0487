import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLibrary

/// After a stored story is saved, asks in the background for the summaries its prompts will want,
/// so that they are written before the writer next asks the panel: the prompt of a rater on the
/// story is assembled (generating nothing), and the chapters it leaves out are summarised.
struct SummaryAnticipation: Sendable {
    let pipeline: OperationPipeline
    let summaries: ChapterSummaries

    func saved(_ story: StoredStory, in library: StoryLibrary, writer: String, cachePartition: String) async {
        guard story.deletedAt == nil else { return }
        let request = RaterFeedbackRequest(
            raterPrompt: "", plotPoint: story.document.plotPoint ?? "", structuredContext: story.document.structuredContext)
        let options = OperationPipeline.Options(
            cachePartition: cachePartition, summaryArchive: LibrarySummaryArchive(library: library, writer: writer, story: story.id))
        await summaries.anticipate(story: story.id) { [pipeline] in
            // A story that cannot be previewed now (the model loading, the tokenizer busy) is
            // summarised when a request next reads it.
            _ = try? await pipeline.preview(request, options: options)
        }
    }
}
