public import Hummingbird
import Logging

/// A Hummingbird app on a loopback port (a free one unless `port` is given) for the duration of
/// `body`: the stand-ins of model servers and collectors that tests talk to over real sockets.
public enum TestListener {
    public static func serve<T: Sendable>(
        _ router: Router<BasicRequestContext>, port: Int = 0, label: String, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: label)
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await app.runService(); return nil }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            defer { group.cancelAll() }
            return try await body(port)
        }
    }
}
