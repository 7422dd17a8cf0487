package import Hummingbird
import ServiceLifecycle
package import Logging
import NIOCore
package import WriterAssistantCore
package import WriterAssistantLibrary

package struct ServerConfiguration: Sendable {
    package var host: String
    package var port: Int
    package var maxBodySize: Int
    /// Browser origins allowed to call the API from another site; `*` allows any.
    package var allowedOrigins: [String]
    /// Longest silence on a stream before a `: keep-alive` comment is sent.
    package var keepAliveInterval: Duration
    package var pipeline: OperationPipeline.Configuration
    /// Folder of the web app served at `/`; nil serves the API alone.
    package var webRoot: String?
    /// Host names (without port) the server answers to; empty answers to any. Nil: loopback
    /// names when listening on loopback, else any.
    package var allowedHosts: [String]?
    /// Longest a client may take to send a whole request, head and body; slower ones are cut off.
    package var requestReadTimeout: Duration
    /// Longest a kept-alive connection may wait for its next request.
    package var idleTimeout: Duration
    /// Keys a request to the API or the metrics must carry as `Authorization: Bearer KEY`;
    /// empty leaves them open.
    package var apiKeys: [String]
    /// The writer each named key stands for (`name:key` in a key file); a key without a name is a
    /// writer of its own all the same.
    package var writerNames: [String: String]
    /// How long answers being written may go on once the server is told to stop.
    package var shutdownGracePeriod: Duration
    /// Connections open at once; more are answered 503 and closed.
    package var maxConnections: Int
    /// Bytes of request bodies held at once, being read or decoded; bodies that do not fit beside
    /// them are answered 503 (`SERVER_BUSY`, `Retry-After`).
    package var maxBodyMemory: Int
    /// Where request traces go; nil traces nothing.
    package var traces: TraceExport?

    package init(
        host: String = "127.0.0.1",
        port: Int = 8000,
        maxBodySize: Int = 8 << 20,
        allowedOrigins: [String] = ["http://localhost:4200", "http://127.0.0.1:4200"],
        keepAliveInterval: Duration = .seconds(15),
        pipeline: OperationPipeline.Configuration = .init(),
        webRoot: String? = nil,
        allowedHosts: [String]? = nil,
        requestReadTimeout: Duration = .seconds(60),
        idleTimeout: Duration = .seconds(60),
        apiKeys: [String] = [],
        writerNames: [String: String] = [:],
        shutdownGracePeriod: Duration = .seconds(30),
        maxConnections: Int = 512,
        maxBodyMemory: Int = 64 << 20,
        traces: TraceExport? = nil
    ) {
        self.host = host
        self.port = port
        self.maxBodySize = maxBodySize
        self.allowedOrigins = allowedOrigins
        self.keepAliveInterval = keepAliveInterval
        self.pipeline = pipeline
        self.webRoot = webRoot
        self.allowedHosts = allowedHosts
        self.requestReadTimeout = requestReadTimeout
        self.idleTimeout = idleTimeout
        self.apiKeys = apiKeys
        self.writerNames = writerNames
        self.shutdownGracePeriod = shutdownGracePeriod
        self.maxConnections = maxConnections
        self.maxBodyMemory = maxBodyMemory
        self.traces = traces
    }
}

package let writerAssistantVersion = "0.1.0"

/// The whole server: routes over `host`, plus the model loader when one is given, and the
/// writer's library in `library` (opened by `libraryOpener` when given).
/// `onServerRunning` receives the bound port (useful with port 0).
package func buildApplication(
    configuration: ServerConfiguration,
    host: ModelHost,
    modelLoader: ModelLoadingService? = nil,
    library: LibraryHost = LibraryHost(),
    libraryOpener: LibraryService? = nil,
    logger: Logger = Logger(label: "writer-assistant"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let metrics = ServerMetrics()
    let router = Router(context: ServerRequestContext.self)
    if configuration.traces != nil {
        // First of all, so that every request has its span, refusals included, continuing the
        // trace of a proxy's `traceparent`. The server runs under the export's tracer
        // (`withServerTracer`).
        // (Its record of the query, which may hold the writer's words, is removed by
        // `RequestObservationMiddleware`.)
        router.add(middleware: TracingMiddleware())
    }
    // Outermost, so that every answer, refusals included, carries them.
    router.add(middleware: SecurityHeadersMiddleware())
    // Then, so that every answer, refusals included, carries its request id and is counted.
    router.add(middleware: RequestObservationMiddleware(metrics: metrics))
    router.add(middleware: AllowedHostsMiddleware(
        hosts: configuration.allowedHosts ?? AllowedHostsMiddleware.defaultHosts(listeningOn: configuration.host),
        guardsLoopback: configuration.allowedHosts == nil))
    router.add(middleware: AllowedOriginsMiddleware(origins: configuration.allowedOrigins))
    router.add(middleware: APIKeyMiddleware(keys: configuration.apiKeys, names: configuration.writerNames))
    if let webRoot = configuration.webRoot {
        WebAppFiles.addMiddleware(to: router, root: webRoot, logger: logger)
    }

    // /health needs no key; where keys guard the server, which hosts serve the model is told
    // only by /metrics, which needs one.
    HealthController(host: host, library: library, version: writerAssistantVersion, listsModelServers: configuration.apiKeys.isEmpty)
        .addRoutes(to: router)
    let openAPIDocument = OperatorEndpointsController.bundledOpenAPIDocument()
    if openAPIDocument == nil { logger.warning("The OpenAPI document is missing from the server's resources") }
    OperatorEndpointsController(metrics: metrics, host: host, openAPIDocument: openAPIDocument).addRoutes(to: router)
    let validation = RequestValidation(maxBodySize: configuration.maxBodySize, bodyBudget: BodyBudget(limit: configuration.maxBodyMemory))
    // With keys the writers are not the operator: they are told fixed reasons when the model
    // cannot answer, and the details (paths, addresses) stay in the log and /metrics.
    var pipeline = configuration.pipeline
    pipeline.explainsModelFailures = pipeline.explainsModelFailures && configuration.apiKeys.isEmpty
    // Summaries are written by the model beside the writers' requests, one at a time.
    let summaries = pipeline.summaryShare > 0 ? ChapterSummaries(host: host, logger: logger) : nil
    let operationPipeline = OperationPipeline(host: host, configuration: pipeline, summaries: summaries)
    let operations = OperationRoutes(
        pipeline: operationPipeline,
        validation: validation,
        keepAliveInterval: configuration.keepAliveInterval,
        shutdownGrace: ShutdownGrace(period: configuration.shutdownGracePeriod),
        library: library, allowedOrigins: configuration.allowedOrigins)
    let api = router.group("api/v1")
    for operation in WritingOperations.all {
        operations.add(operation, to: api)
    }
    TokenCountController(pipeline: operationPipeline, validation: validation).addRoutes(to: api)
    LibraryController(
        host: library, validation: validation, allowedOrigins: configuration.allowedOrigins,
        summaries: summaries.map { SummaryAnticipation(pipeline: operationPipeline, summaries: $0) }
    ).addRoutes(to: api)
    var services: [any Service] = []
    if let libraryOpener { services.append(libraryOpener) }
    if let modelLoader { services.append(modelLoader) }
    // After the model's loader, so that it stops writing before the model stops.
    if let summaries { services.append(ChapterSummaryService(summaries: summaries)) }

    let readTimeout = TimeAmount(configuration.requestReadTimeout)
    let connections = ConnectionCount(limit: configuration.maxConnections)
    return Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [ConnectionLimit(count: connections), RequestReadDeadline(limit: readTimeout)],
            idleTimeout: TimeAmount(configuration.idleTimeout))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "writer-assistant"),
        services: services,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
