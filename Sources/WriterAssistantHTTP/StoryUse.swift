import Foundation
import Logging
import WriterAssistantAPI
import WriterAssistantLibrary

/// An operation run on a stored story: the story as it was read, and where its answer is kept.
struct StoryUse: Sendable {
    let library: StoryLibrary
    let writer: String
    let story: StoredStory
    /// The chapter the request said it is about.
    let chapter: Int?

    /// Where the summaries of the story's chapters are kept.
    var summaryArchive: LibrarySummaryArchive {
        LibrarySummaryArchive(library: library, writer: writer, story: story.id)
    }

    /// Files the answer in the story's history: the request without the story (the version says
    /// which story it read), the result as the client got it, and a chat's turn in its
    /// conversation, in one transaction. A failure to keep them is logged; the writer still gets
    /// the answer, as the operation says an answer not kept (a chat's without its conversation).
    /// Returns the result for the client.
    func record<Operation: OperationRequest>(_ operation: Operation, result: Operation.Result, logger: Logger) async -> Operation.Result {
        var request = operation.historyRecord
        request.structuredContext = nil
        let turn = operation.keptTurn(of: result)
        do {
            _ = try await library.recordAnswer(
                story: story.id, writer: writer, version: story.version, operation: Operation.operationName,
                chapter: chapter ?? operation.historyChapter, rater: operation.historySubject, model: result.contextMetadata.model ?? "",
                processingTime: result.contextMetadata.processingTime, request: try APIJSON.encoder.encode(request),
                result: try APIJSON.encoder.encode(result), turn: turn)
            return result
        } catch {
            logger.error("The answer could not be kept in the story's history", metadata: [
                "story": "\(story.id)", "operation": "\(Operation.operationName)", "conversation": "\(turn?.conversation ?? "-")",
                "error": "\(error)",
            ])
            return operation.notKept(result)
        }
    }
}
