import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Tracing
import WriterAssistantAPI
import WriterAssistantLLM

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}

/// Gives every request an id (the client's `X-Request-Id` when it sent a usable one), puts it on
/// every log line of the request and on the response, and once the response is written (a
/// stream's last event included) logs one line and records the request's metrics.
struct RequestObservationMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext

    let metrics: ServerMetrics
    /// Paths polled by monitors, logged at debug level so they do not drown the rest.
    static let quietPaths: Set<String> = ["/health", "/metrics"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[.requestID].flatMap(Self.usableID) ?? UUID().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        if let trace = ServiceContext.current, let span = InstrumentationSystem.tracer.activeSpan(identifiedBy: trace) {
            span.attributes["writer_assistant.request_id"] = id
            // A query may hold the writer's words (a search) under any spelling of its name:
            // none is kept.
            span.attributes["url.query"] = nil
        }
        let record = context.record
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            record.failed((error as? APIError)?.code.rawValue ?? Self.label(for: error.status))
            response = try error.response(from: request, context: context)
        } catch is CancellationError {
            // The synchronous endpoint's client left while its answer was being written.
            record.clientLeft()
            report(request, context: context, status: 499, started: started)
            throw CancellationError()
        } catch {
            context.logger.error("Request failed", metadata: ["error": "\(error)"])
            record.failed(Self.label(for: .internalServerError))
            report(request, context: context, status: 500, started: started)
            throw error
        }
        response.headers[.requestID] = id
        let body = response.body
        let finalContext = context
        let status = response.status.code
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
            } catch {
                record.clientLeft()
                report(request, context: finalContext, status: status, started: started)
                throw error
            }
            report(request, context: finalContext, status: status, started: started)
        }
        return response
    }

    private func report(_ request: Request, context: Context, status: Int, started: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - started
        let summary = context.record.summary
        let endpoint = context.endpointPath ?? "other"
        metrics.record(endpoint: endpoint, status: status, summary: summary, duration: duration)

        var metadata: Logger.Metadata = [
            "status": "\(status)",
            "outcome": "\(summary.outcome.rawValue)",
            "seconds": "\(Self.rounded(duration.inSeconds))",
        ]
        if let code = summary.errorCode { metadata["error_code"] = "\(code)" }
        if let firstToken = summary.timeToFirstToken { metadata["first_token_seconds"] = "\(Self.rounded(firstToken.inSeconds))" }
        if let figures = summary.metadata {
            metadata["prompt_tokens"] = "\(figures.promptTokens ?? 0)"
            metadata["cached_tokens"] = "\(figures.cachedTokens ?? 0)"
            metadata["completion_tokens"] = "\(figures.completionTokens ?? 0)"
            if let queue = figures.queueTime { metadata["queue_seconds"] = "\(Self.rounded(queue))" }
            if let rate = figures.decodeTokensPerSecond { metadata["decode_tokens_per_second"] = "\(Self.rounded(rate))" }
        }
        let level: Logger.Level = Self.quietPaths.contains(request.uri.path) && summary.outcome == .served ? .debug : .info
        context.logger.log(level: level, "\(request.method) \(request.uri.path)", metadata: metadata)
    }

    /// An id a client sent, if it is one a log line and a header can carry safely.
    static func usableID(_ candidate: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:+=@/")
        guard (1...128).contains(candidate.count), candidate.allSatisfy(allowed.contains) else { return nil }
        return candidate
    }

    private static func label(for status: HTTPResponse.Status) -> String {
        status == .unprocessableContent ? "VALIDATION_ERROR" : "HTTP_\(status.code)"
    }

    private static func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }
}
