public import Hummingbird
public import Logging
public import ServiceLifecycle
public import UnixSignals

/// Runs a built server until it is told to stop: SIGTERM or SIGINT (when `signals` has them)
/// starts a graceful shutdown, in which answers get `shutdownGracePeriod` to finish and then end
/// with `SERVER_SHUTTING_DOWN`. A client that stopped reading can still hold its connection open
/// on a full socket, so the shutdown is bounded: shortly after the grace everything left is
/// cancelled, and the server stops regardless.
public func serverServiceGroup(
    running app: some ApplicationProtocol,
    configuration: ServerConfiguration,
    logger: Logger,
    signals: [UnixSignal] = []
) -> ServiceGroup {
    var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: signals, logger: logger)
    group.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod + ServerConfiguration.shutdownMargin
    group.maximumCancellationDuration = ServerConfiguration.shutdownMargin
    return ServiceGroup(configuration: group)
}

extension ServerConfiguration {
    /// How long after the grace connections that still hold on are cancelled.
    public static let shutdownMargin = Duration.seconds(3)
}
