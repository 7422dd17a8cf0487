import ServiceLifecycle
import WriterAssistantAPI
import WriterAssistantCore

/// What running answers get when the server is told to stop (SIGTERM): the server stops taking
/// connections at once, answers being written get `period` more to finish, and the rest end with
/// `SERVER_SHUTTING_DOWN` rather than keeping the server up or being cut off mid-stream.
struct ShutdownGrace: Sendable {
    let period: Duration

    static let failure = OperationFailure(
        .serverShuttingDown, "The server is shutting down and could not finish this answer in time. Try again once it is back.")

    /// Runs `body`, calling `onGraceOver` once, `period` after the server begins shutting down.
    func watch<T>(onGraceOver: @escaping @Sendable () -> Void, _ body: () async throws -> T) async throws -> T {
        let (shutdownStarted, notify) = AsyncStream.makeStream(of: Void.self)
        return try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [period] in
                    for await _ in shutdownStarted {
                        try await Task.sleep(for: period)
                        onGraceOver()
                        return
                    }
                }
                defer { group.cancelAll() }
                return try await body()
            }
        } onGracefulShutdown: {
            notify.yield()
        }
    }

    /// Runs `operation` to its end, or until the grace after a shutdown is over: it is then
    /// cancelled and this throws `failure`.
    func limit<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let (graceOver, over) = AsyncStream.makeStream(of: Void.self)
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask(operation: operation)
            group.addTask {
                for await _ in graceOver { throw Self.failure }
                throw CancellationError()
            }
            defer { group.cancelAll() }
            return try await watch(onGraceOver: { over.yield() }) {
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            }
        }
    }
}
