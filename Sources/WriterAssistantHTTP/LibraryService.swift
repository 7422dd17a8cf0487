public import Logging
public import ServiceLifecycle
public import WriterAssistantLibrary

/// Opens the library in the background, so that the server answers from its first second, keeps
/// its connections while the server runs, and closes it once the server has stopped answering.
/// `open` only connects; the schema is brought up to date here.
public struct LibraryService: Service {
    public typealias Opener = @Sendable () async throws -> StoryLibrary

    let host: LibraryHost
    let open: Opener
    let logger: Logger

    public init(host: LibraryHost, logger: Logger, open: @escaping Opener) {
        self.host = host
        self.open = open
        self.logger = logger
    }

    public func run() async throws {
        host.update(.opening)
        let library: StoryLibrary
        do {
            library = try await open()
        } catch {
            fail(error)
            // Returning would stop the whole service group; stay until the server shuts down.
            try? await gracefulShutdown()
            host.update(.off)
            return
        }
        await withTaskGroup(of: Void.self) { group in
            // The database's connections live as long as this task.
            group.addTask { await library.run() }
            do {
                // A database that hangs (a lock held elsewhere) must not hold up a shutdown.
                try await cancelWhenGracefulShutdown { try await library.prepare() }
                host.update(.ready(library))
                logger.info("Library ready")
            } catch {
                fail(error)
            }
            try? await gracefulShutdown()
            host.update(.off)
            await library.close()
            group.cancelAll()
        }
    }

    private func fail(_ error: any Error) {
        let reason = StoryLibrary.reason(error)
        host.update(.failed(reason: reason))
        logger.error("The library could not be opened; operations that carry their story still work", metadata: [
            "reason": "\(reason)", "error": "\(String(reflecting: error))",
        ])
    }
}
