import HTTPTypes
import Hummingbird
import WriterAssistantAPI
import WriterAssistantCore

/// `POST /api/v1/rater-feedback` and its streaming twin: same request, same result.
struct RaterFeedbackController<Context: RequestContext> {
    let pipeline: FeedbackPipeline
    let validation: RequestValidation

    static var streamHeaders: HTTPFields {
        [
            .contentType: "text/event-stream; charset=utf-8",
            .cacheControl: "no-cache",
            // Tells nginx-style proxies not to hold the stream back in a buffer.
            HTTPField.Name("X-Accel-Buffering")!: "no",
        ]
    }

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("rater-feedback", use: feedback)
        group.post("rater-feedback/stream", use: stream)
    }

    @Sendable func feedback(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let feedbackRequest = try await validation.decodeFeedbackRequest(&request)
        do {
            return try .json(try await pipeline.result(for: feedbackRequest))
        } catch let failure as FeedbackFailure {
            throw APIError(failure)
        }
    }

    @Sendable func stream(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let feedbackRequest = try await validation.decodeFeedbackRequest(&request)
        let options = FeedbackPipeline.Options(
            includeTokens: request.uri.queryParameters.get("tokens").map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false)
        return Response(
            status: .ok, headers: Self.streamHeaders,
            body: ResponseBody { [request, pipeline] writer in
                // Watching the inbound side is what notices a client that went away while the
                // model is busy and nothing is being written; the run is then cancelled.
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    for await event in pipeline.events(for: feedbackRequest, options: options) {
                        try await writer.write(ServerSentEvents.event(event))
                    }
                }
                try await writer.finish(nil)
            })
    }
}
