import Configuration
import Foundation
import LlamaEngine
import Logging
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM

/// The server's settings, each from its flag, else its environment variable, else its default.
struct ServeSettings {
    var server: ServerConfiguration
    /// Nil when no model was given.
    var engine: LlamaEngine.Configuration?
    var logLevel: Logger.Level

    init(options: ServeCommand, environment: ConfigReader) {
        let defaults = ServerConfiguration()
        let samplingDefaults = SamplingParameters.raterDefaults

        let seed = options.seed ?? environment.int(forKey: "seed").flatMap { UInt32(exactly: $0) }
        let sampling = SamplingParameters(
            temperature: options.temperature ?? environment.double(forKey: "temperature") ?? samplingDefaults.temperature,
            topK: options.topK ?? environment.int(forKey: "top.k") ?? samplingDefaults.topK,
            topP: options.topP ?? environment.double(forKey: "top.p") ?? samplingDefaults.topP,
            maxTokens: options.maxTokens ?? environment.int(forKey: "max.tokens") ?? samplingDefaults.maxTokens,
            seed: seed)
        let timeout = options.generationTimeout ?? environment.int(forKey: "generation.timeout") ?? 300
        let origins = options.allowedOrigins.map { $0.split(separator: ",").map(String.init) }
            ?? environment.stringArray(forKey: "allowed.origins")
            ?? defaults.allowedOrigins

        server = ServerConfiguration(
            host: options.host ?? environment.string(forKey: "host") ?? defaults.host,
            port: options.port ?? environment.int(forKey: "port") ?? defaults.port,
            maxBodySize: options.maxBodySize ?? environment.int(forKey: "max.body.size") ?? defaults.maxBodySize,
            allowedOrigins: origins.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            pipeline: .init(sampling: sampling, generationTimeout: .seconds(timeout)))

        let modelPath = options.modelPath ?? environment.string(forKey: "model.path")
        engine = modelPath.flatMap { path in
            guard !path.isEmpty else { return nil }
            var engine = LlamaEngine.Configuration(modelPath: path)
            engine.contextSize = options.contextSize ?? environment.int(forKey: "context.size") ?? engine.contextSize
            engine.threads = options.threads ?? environment.int(forKey: "threads") ?? engine.threads
            engine.parallel = options.parallel ?? environment.int(forKey: "parallel") ?? engine.parallel
            engine.maxQueuedRequests = options.maxQueue ?? environment.int(forKey: "max.queue") ?? engine.maxQueuedRequests
            return engine
        }
        logLevel = (options.logLevel ?? environment.string(forKey: "log.level")).flatMap(Logger.Level.init(rawValue:)) ?? .info
    }
}
