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
        // Returning would stop the whole service group; stay until the server shuts down, and
        // watch a pool's model servers meanwhile, so that its checks end with the group.
        if let pool = loaded as? any ModelServerPool {
            await cancelWhenGracefulShutdown { await pool.watchServers() }
            // A pool that stops watching early must not end the service, and the server with it.
            try? await gracefulShutdown()
        } else {
            try? await gracefulShutdown()
        }
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
