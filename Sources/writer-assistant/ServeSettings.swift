import ArgumentParser
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

        server = ServerConfiguration(
            host: options.host ?? environment.string(forKey: "host") ?? defaults.host,
            port: options.port ?? environment.int(forKey: "port") ?? defaults.port,
            maxBodySize: options.maxBodySize ?? environment.int(forKey: "max.body.size") ?? defaults.maxBodySize,
            allowedOrigins: Self.list(options.allowedOrigins, environment, key: "allowed.origins") ?? defaults.allowedOrigins,
            pipeline: .init(sampling: sampling, generationTimeout: .seconds(timeout)),
            allowedHosts: Self.list(options.allowedHosts, environment, key: "allowed.hosts").map { $0.contains("*") ? [] : $0 })

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

    /// Every setting that cannot work, said at startup rather than discovered by a crash or by
    /// every request failing.
    func problems() -> [String] {
        var problems: [String] = []
        func check(_ condition: Bool, _ message: String) {
            if !condition { problems.append(message) }
        }
        let sampling = server.pipeline.sampling
        check(server.port >= 0 && server.port <= 65_535, "--port must be between 0 and 65535 (got \(server.port)).")
        check(server.maxBodySize > 0, "--max-body-size must be positive (got \(server.maxBodySize)).")
        check(server.pipeline.generationTimeout > .zero, "--generation-timeout must be positive.")
        check(sampling.temperature >= 0, "--temperature must be 0 (greedy) or more (got \(sampling.temperature)).")
        check(sampling.topK >= 0, "--top-k must be 0 (off) or more (got \(sampling.topK)).")
        check(sampling.topP > 0 && sampling.topP <= 1, "--top-p must be above 0 and at most 1 (got \(sampling.topP)).")
        check(sampling.minP >= 0 && sampling.minP < 1, "--min-p must be at least 0 and below 1 (got \(sampling.minP)).")
        check(sampling.maxTokens > 0, "--max-tokens must be positive (got \(sampling.maxTokens)).")
        let repetition = sampling.repetition
        check(repetition.repeatPenalty > 0, "--repeat-penalty must be above 0; 1 turns it off (got \(repetition.repeatPenalty)).")
        check(repetition.penaltyWindow >= 0, "--repeat-last-n must be 0 (off) or more (got \(repetition.penaltyWindow)).")
        check(repetition.dryMultiplier >= 0, "--dry-multiplier must be 0 (off) or more (got \(repetition.dryMultiplier)).")
        check(repetition.dryBase >= 1, "--dry-base must be at least 1 (got \(repetition.dryBase)).")
        check(repetition.dryAllowedLength >= 1, "--dry-allowed-length must be at least 1 (got \(repetition.dryAllowedLength)).")
        check(repetition.dryWindow >= 0, "--dry-last-n must be 0 (off) or more (got \(repetition.dryWindow)).")
        if let engine {
            check(engine.contextSize > 0, "--context-size must be positive (got \(engine.contextSize)).")
            check(engine.threads > 0, "--threads must be positive (got \(engine.threads)).")
            check(engine.parallel > 0, "--parallel must be positive (got \(engine.parallel)).")
            let (cells, overflow) = engine.contextSize.multipliedReportingOverflow(by: max(engine.parallel, 1))
            check(!overflow && cells <= Int(UInt32.max),
                  "--context-size × --parallel must stay below 2^32 tokens (got \(engine.contextSize) × \(engine.parallel)).")
            check(engine.threads <= 1024, "--threads must be at most 1024 (got \(engine.threads)).")
            check(engine.parallel <= 256, "--parallel must be at most 256 (got \(engine.parallel)).")
            check(repetition.penaltyWindow <= engine.contextSize, "--repeat-last-n must be at most --context-size (got \(repetition.penaltyWindow)).")
            check(repetition.dryWindow <= engine.contextSize, "--dry-last-n must be at most --context-size (got \(repetition.dryWindow)).")
            check(engine.maxQueuedRequests >= 0, "--max-queue must be 0 (no waiting) or more (got \(engine.maxQueuedRequests)).")
            check(engine.contextSize <= 0 || sampling.maxTokens < engine.contextSize,
                  "--max-tokens (\(sampling.maxTokens)) must be less than --context-size (\(engine.contextSize)): "
                      + "the answer is reserved in the context window, and the story needs room too.")
        }
        return problems
    }

    /// A comma-separated list from its flag, else its environment variable: trimmed, blanks dropped.
    private static func list(_ flag: String?, _ environment: ConfigReader, key: ConfigKey) -> [String]? {
        (flag.map { $0.split(separator: ",").map(String.init) } ?? environment.stringArray(forKey: key))
            .map { $0.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
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
