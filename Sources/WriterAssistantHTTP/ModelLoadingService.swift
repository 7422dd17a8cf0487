package import Logging
import ServiceLifecycle
package import WriterAssistantCore
package import WriterAssistantLLM

/// Loads the model in the background so the server answers (with `LLM_LOADING`) from its first
/// second, runs a pool's health checks while it serves, and releases the model on shutdown.
package struct ModelLoadingService: Service {
    package typealias Loader = @Sendable () async throws -> any LanguageModel

    let host: ModelHost
    let modelName: String
    let load: Loader
    let logger: Logger

    package init(host: ModelHost, modelName: String, logger: Logger, load: @escaping Loader) {
        self.host = host
        self.modelName = modelName
        self.load = load
        self.logger = logger
    }

    package func run() async throws {
        host.update(.loading(name: modelName))
        logger.info("Loading model", metadata: ["model": "\(modelName)"])
        let started = ContinuousClock.now
        var loaded: (any LanguageModel)?
        do {
            let model = try await load()
            loaded = model
            host.update(.ready(model))
            logger.info("Model ready", metadata: [
                "model": "\(modelName)",
                "seconds": "\((ContinuousClock.now - started).inSeconds)",
                "context": "\(model.descriptor.contextLength)",
            ])
        } catch {
            host.update(.failed(name: modelName, reason: "\(error)"))
            logger.error("Model failed to load", metadata: ["model": "\(modelName)", "error": "\(error)"])
        }
        // A pool's model servers are watched while the server runs, so that the checks end with
        // the group.
        if let pool = loaded as? any ModelServerPool {
            await cancelWhenGracefulShutdown { await pool.watchServers() }
        }
        // Returning would stop the whole service group (a watch that ended early included): stay
        // until the server shuts down.
        try? await gracefulShutdown()
        host.update(.notConfigured)
        loaded?.shutdown()
        guard let loaded else { return }
        // The model saves what it keeps across runs (the story cache), but a hung disk must not
        // hold the process past its shutdown.
        do {
            try await withDeadline(Self.stopDeadline, else: CancellationError()) { await loaded.waitUntilStopped() }
        } catch {
            logger.error("The model did not finish stopping in time", metadata: ["seconds": "\(Self.stopDeadline.inSeconds)"])
        }
    }

    static let stopDeadline = Duration.seconds(15)
}
