package import Logging
import ServiceLifecycle
package import WriterAssistantLibrary

/// Opens the library in the background, so that the server answers from its first second (trying
/// again while the database is not there), keeps its connections while the server runs, and closes
/// it once the server has stopped answering. `open` only connects; the schema is brought up to
/// date here.
package struct LibraryService: Service {
    package typealias Opener = @Sendable () async throws -> StoryLibrary

    let host: LibraryHost
    let open: Opener
    let logger: Logger

    package init(host: LibraryHost, logger: Logger, open: @escaping Opener) {
        self.host = host
        self.open = open
        self.logger = logger
    }

    package func run() async throws {
        host.update(.opening)
        // A database that is not up yet (PostgreSQL starting beside the replicas) is tried again,
        // less and less often, until it answers or the server stops.
        var delay = Self.firstRetry
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let library = try await cancelWhenGracefulShutdown { try await open() }
                try await serve(library)
                break
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                fail(error)
                try? await cancelWhenGracefulShutdown { [delay] in try await Task.sleep(for: delay) }
                delay = min(delay * 2, Self.longestRetry)
            }
        }
        host.update(.off)
    }

    /// Brings the library up to date and serves it until the server shuts down; throws, with the
    /// library closed, when it cannot be brought up to date.
    private func serve(_ library: StoryLibrary) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The database's connections live as long as this task.
            group.addTask { await library.run() }
            do {
                // A database that hangs (a lock held elsewhere) must not hold up a shutdown.
                try await cancelWhenGracefulShutdown { try await library.prepare() }
            } catch {
                await library.close()
                group.cancelAll()
                throw error
            }
            host.update(.ready(library))
            logger.info("Library ready")
            try? await gracefulShutdown()
            host.update(.off)
            await library.close()
            group.cancelAll()
        }
    }

    static let firstRetry = Duration.seconds(1)
    static let longestRetry = Duration.seconds(30)

    private func fail(_ error: any Error) {
        let reason = StoryLibrary.reason(error)
        host.update(.failed(reason: reason))
        logger.error("The library could not be opened; operations that carry their story still work", metadata: [
            "reason": "\(reason)", "error": "\(String(reflecting: error))",
        ])
    }
}
