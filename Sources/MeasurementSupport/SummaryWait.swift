package import WriterAssistantAPI
package import WriterAssistantClient
import WriterAssistantLLM

/// Waits until the model has written, or failed to write, every summary a request's prompt asks
/// for, by asking for the request's preview until none is pending: what a measurement does before
/// it times prompts that read summaries. `stored` names a stored story the request reads in place
/// of its own context.
package enum SummaryWait {
    /// The last preview, and the seconds from the first, which asked for the summaries.
    package static func untilWritten<Request: OperationRequest>(
        _ request: Request, reading stored: StoryReference? = nil, on client: WriterAssistantClient, within limit: Duration,
        titled title: String
    ) async throws -> (preview: PromptPreview, seconds: Double) {
        let started = ContinuousClock.now
        var preview = try await client.preview(request, on: stored)
        while preview.summariesPending != nil {
            guard ContinuousClock.now - started < limit else {
                throw MeasurementFailure(description: "the summaries of \(title) took longer than \(limit)")
            }
            try await Task.sleep(for: .milliseconds(500))
            preview = try await client.preview(request, on: stored)
        }
        return (preview, (ContinuousClock.now - started).inSeconds)
    }
}
