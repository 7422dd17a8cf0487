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
            minP: options.minP ?? environment.double(forKey: "min.p") ?? samplingDefaults.minP,
            maxTokens: options.maxTokens ?? environment.int(forKey: "max.tokens") ?? samplingDefaults.maxTokens,
            seed: seed,
            repetition: Self.repetition(options, environment, defaults: samplingDefaults.repetition))
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

    private static func repetition(
        _ options: ServeCommand, _ environment: ConfigReader, defaults: RepetitionControl
    ) -> RepetitionControl {
        RepetitionControl(
            repeatPenalty: options.repeatPenalty ?? environment.double(forKey: "repeat.penalty") ?? defaults.repeatPenalty,
            frequencyPenalty: options.frequencyPenalty ?? environment.double(forKey: "frequency.penalty") ?? defaults.frequencyPenalty,
            presencePenalty: options.presencePenalty ?? environment.double(forKey: "presence.penalty") ?? defaults.presencePenalty,
            penaltyWindow: options.repeatLastN ?? environment.int(forKey: "repeat.last.n") ?? defaults.penaltyWindow,
            dryMultiplier: options.dryMultiplier ?? environment.double(forKey: "dry.multiplier") ?? defaults.dryMultiplier,
            dryBase: options.dryBase ?? environment.double(forKey: "dry.base") ?? defaults.dryBase,
            dryAllowedLength: options.dryAllowedLength ?? environment.int(forKey: "dry.allowed.length") ?? defaults.dryAllowedLength,
            dryWindow: options.dryLastN ?? environment.int(forKey: "dry.last.n") ?? defaults.dryWindow)
    }
}
