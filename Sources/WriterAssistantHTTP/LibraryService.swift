public import Logging
public import ServiceLifecycle
public import WriterAssistantLibrary

/// Opens the library in the background, so that the server answers from its first second, and
/// closes it once the server has stopped answering.
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
        var library: StoryLibrary?
        do {
            library = try await open()
            if let library { host.update(.ready(library)) }
            logger.info("Library ready")
        } catch {
            let reason = StoryLibrary.reason(error)
            host.update(.failed(reason: reason))
            logger.error("The library could not be opened; operations that carry their story still work", metadata: [
                "reason": "\(reason)", "error": "\(String(reflecting: error))",
            ])
        }
        // Returning would stop the whole service group; stay until the server shuts down.
        try? await gracefulShutdown()
        host.update(.off)
        await library?.close()
    }
}
