package import Hummingbird
package import Logging
package import ServiceLifecycle
package import Tracing
package import UnixSignals

/// Runs a built server until it is told to stop: SIGTERM or SIGINT (when `signals` has them)
/// starts a graceful shutdown, in which answers get `shutdownGracePeriod` to finish and then end
/// with `SERVER_SHUTTING_DOWN`. A client that stopped reading can still hold its connection open
/// on a full socket, so the shutdown is bounded: shortly after the grace everything left is
/// cancelled, and the server stops regardless.
///
/// `traceExport`, the service of `TraceExport.start`, is stopped after the server, so that the
/// spans of the last answers are sent.
package func serverServiceGroup(
    running app: some ApplicationProtocol,
    configuration: ServerConfiguration,
    logger: Logger,
    signals: [UnixSignal] = [],
    traceExport: (any Service)? = nil
) -> ServiceGroup {
    // Stopped in the reverse order. The export ending early (turned off by `OTEL_TRACES_EXPORTER`,
    // or failing) costs the traces only, never the server.
    let traces = traceExport.map {
        [ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)]
    } ?? []
    var group = ServiceGroupConfiguration(
        services: traces + [.init(service: app)], gracefulShutdownSignals: signals, logger: logger)
    group.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod + ServerConfiguration.shutdownMargin
    group.maximumCancellationDuration = ServerConfiguration.shutdownMargin
    return ServiceGroup(configuration: group)
}

extension ServerConfiguration {
    /// How long after the grace connections that still hold on are cancelled.
    package static let shutdownMargin = Duration.seconds(3)
}

/// Runs `body` (the server's service group) with `tracer` as the tracer of every task it starts,
/// or as it is without one.
package func withServerTracer<T>(_ tracer: (any Tracer)?, _ body: () async throws -> T) async throws -> T {
    guard let tracer else { return try await body() }
    return try await withTracer(tracer) { try await body() }
}
