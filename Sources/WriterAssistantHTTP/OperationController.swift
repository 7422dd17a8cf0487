import Foundation
import HTTPTypes
import Hummingbird
import Logging
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLibrary

/// `POST /api/v1/<operation>` and its streaming twin `/stream`: same request, same result, the
/// same phases, errors and framing for every operation; and `/preview`, the prompt the same
/// request would give the model.
struct OperationController<Operation: WritingOperation> {
    typealias Context = ServerRequestContext

    let pipeline: OperationPipeline
    let validation: RequestValidation
    /// Longest silence on a stream before a comment line is sent, so proxies keep it open while
    /// the model reads a long story.
    let keepAliveInterval: Duration
    let shutdownGrace: ShutdownGrace
    /// Where a request that names a stored story (`storyId`) finds it, and its answer is kept.
    let library: LibraryHost

    func addRoutes(to group: RouterGroup<Context>) {
        group.post(RouterPath(Operation.operationName), use: answer)
        group.post(RouterPath(Operation.operationName + "/stream"), use: stream)
        group.post(RouterPath(Operation.operationName + "/preview"), use: preview)
    }

    /// The request's operation, reading the story from the library when the body names one.
    private func decode(_ request: inout Request, context: Context) async throws -> (Operation, StoryUse?) {
        try await validation.withJSONBody(&request) { body in try await decode(body, context: context) }
    }

    private func decode(_ body: Data, context: Context) async throws -> (Operation, StoryUse?) {
        if Operation.readsTheArchive {
            // The writer's own stories, whatever the body names: never another writer's.
            var operation = try validation.decode(Operation.self, body: body, storyContext: nil)
            do {
                try await operation.gather(from: LibraryArchive(library: try library.readyLibrary(), writer: context.writer))
            } catch let failure as LibraryFailure {
                throw APIError(failure)
            }
            return (operation, nil)
        }
        let reference: StoryReference
        do {
            reference = try StoryReference.decode(body)
        } catch {
            throw ValidationFailure(issues: error.issues)
        }
        guard let id = reference.storyId else {
            return (try validation.decode(Operation.self, body: body, storyContext: nil), nil)
        }
        do {
            let library = try library.readyLibrary()
            let story = try await library.story(id, writer: context.writer)
            guard story.deletedAt == nil else { throw LibraryFailure.inTrash }
            var storyContext = story.document.structuredContext
            if Operation.worksOnAStoredChapter, let chapter = reference.chapter {
                storyContext = storyContext.chapters(before: chapter)
            }
            var operation = try validation.decode(Operation.self, body: body, storyContext: storyContext)
            operation.willBeKept(newName: UUID().uuidString.lowercased())
            return (operation, StoryUse(library: library, writer: context.writer, story: story, chapter: reference.chapter))
        } catch let failure as LibraryFailure {
            throw APIError(failure)
        }
    }

    @Sendable func answer(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let (operation, story) = try await decode(&request, context: context)
        let options = OperationPipeline.Options(cachePartition: context.cachePartition, summaryArchive: story?.summaryArchive)
        return try await answerWhileConnected(request, logger: context.logger) { [pipeline, shutdownGrace, options, record = context.record, logger = context.logger] in
            let result = try await shutdownGrace.limit {
                try await pipeline.result(for: operation, options: options, logger: logger, observe: record.observe)
            }
            return await story?.record(operation, result: result, logger: logger) ?? result
        }
    }

    /// The prompt the request would give the model, generating nothing; a stored story is read
    /// as the operation would read it, and nothing is kept in its history.
    @Sendable func preview(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let (operation, story) = try await decode(&request, context: context)
        let options = OperationPipeline.Options(cachePartition: context.cachePartition, summaryArchive: story?.summaryArchive)
        return try await answerWhileConnected(request, logger: context.logger, logging: "Preview failed") { [pipeline] in
            try await pipeline.preview(operation, options: options)
        }
    }

    @Sendable func stream(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let (operation, story) = try await decode(&request, context: context)
        let options = OperationPipeline.Options(
            includeTokens: FormQuery(request.uri).isSet("tokens"), cachePartition: context.cachePartition,
            summaryArchive: story?.summaryArchive)
        let events = pipeline.events(for: operation, options: options, logger: context.logger)
        return Response(
            status: .ok, headers: serverSentEventHeaders,
            body: ResponseBody { [request, keepAliveInterval, shutdownGrace, record = context.record, logger = context.logger] writer in
                // Watching the inbound side is what notices a client that went away while the
                // model is busy and nothing is being written; the run is then cancelled.
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    try await Self.write(
                        events, to: &writer, keepAliveInterval: keepAliveInterval, shutdownGrace: shutdownGrace, record: record
                    ) { result in
                        await story?.record(operation, result: result, logger: logger) ?? result
                    }
                }
                try await writer.finish(nil)
            })
    }

    private enum Outgoing: Sendable {
        case event(OperationEvent<Operation.Result>)
        case tick
        /// The server is stopping and this answer's grace is over.
        case shutdown
    }

    /// Writes each event as it comes, and a comment whenever the stream has been quiet for
    /// `keepAliveInterval`.
    private static func write(
        _ events: AsyncStream<OperationEvent<Operation.Result>>, to writer: inout any ResponseBodyWriter, keepAliveInterval: Duration,
        shutdownGrace: ShutdownGrace, record: RequestRecord,
        onResult: @escaping @Sendable (Operation.Result) async -> Operation.Result
    ) async throws {
        let (outgoing, continuation) = AsyncStream.makeStream(of: Outgoing.self)
        try await shutdownGrace.watch(onGraceOver: { continuation.yield(.shutdown) }) {
            try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await event in events { continuation.yield(.event(event)) }
                continuation.finish()
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: keepAliveInterval / 2)
                    continuation.yield(.tick)
                }
            }
            defer { group.cancelAll() }
            var lastWrite = ContinuousClock.now
            for await item in outgoing {
                switch item {
                case .event(let event):
                    record.observe(event)
                    // Kept before the client hears of it, so an answer a client saw is in the
                    // story's history; the result says what was not kept.
                    var event = event
                    if case .result(let result) = event { event = .result(await onResult(result)) }
                    try await writer.write(ServerSentEvents.event(event))
                case .tick:
                    guard ContinuousClock.now - lastWrite >= keepAliveInterval / 2 else { continue }
                    try await writer.write(ServerSentEvents.comment("keep-alive"))
                case .shutdown:
                    // Ending here drops the events, which cancels the run.
                    let ending = OperationEvent<Operation.Result>.error(message: ShutdownGrace.failure.message, code: ShutdownGrace.failure.code)
                    record.observe(ending)
                    try await writer.write(ServerSentEvents.event(ending))
                    return
                }
                lastWrite = .now
            }
            }
        }
    }
}

/// Headers of every event stream, built once rather than per request.
private let serverSentEventHeaders: HTTPFields = {
    var fields: HTTPFields = [
        .contentType: "text/event-stream; charset=utf-8",
        .cacheControl: "no-cache",
        // Watching for the client going away ends the connection with the stream; saying so
        // keeps clients from reusing it for their next request.
        .connection: "close",
    ]
    // Tells nginx-style proxies not to hold the stream back in a buffer.
    if let accelBuffering = HTTPField.Name("X-Accel-Buffering") { fields[accelBuffering] = "no" }
    return fields
}()

/// What every operation's routes share: one pipeline, one validation, one stream policy.
struct OperationRoutes {
    let pipeline: OperationPipeline
    let validation: RequestValidation
    let keepAliveInterval: Duration
    let shutdownGrace: ShutdownGrace
    let library: LibraryHost
    let allowedOrigins: [String]

    func add<Operation: WritingOperation>(_: Operation.Type, to group: RouterGroup<ServerRequestContext>) {
        // An operation reading the writer's archive answers from their stories, which the
        // library shows only to its own pages, as its routes do.
        let routes = Operation.readsTheArchive
            ? group.group().add(middleware: CrossSiteGuard<ServerRequestContext>(allowedOrigins: allowedOrigins)) : group
        OperationController<Operation>(
            pipeline: pipeline, validation: validation, keepAliveInterval: keepAliveInterval, shutdownGrace: shutdownGrace,
            library: library
        ).addRoutes(to: routes)
    }
}
