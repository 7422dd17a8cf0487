import ArgumentParser
import Configuration
import Foundation
import Hummingbird
import LlamaEngine
import RemoteEngine
import Logging
import ServiceLifecycle
import UnixSignals
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLibrary
import WriterAssistantLLM

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the writing operations, the library and the web app.",
        discussion: """
            Every option can also be set by the environment variable named after it in capitals \
            (--model-path: MODEL_PATH, --context-size: CONTEXT_SIZE, ...), or in the JSON file of \
            --config-file (WRITER_ASSISTANT_CONFIG_FILE). A flag wins over the environment, the \
            environment over the file, the file over the default. Without a model the server \
            still starts and says so on every request.
            """)

    @Option(help: ServeKey.modelPath.help)
    var modelPath: String?

    @Option(name: .customLong("llm-url"), help: ServeKey.llmURL.help)
    var llmURL: [String] = []

    @Option(help: ServeKey.llmModel.help)
    var llmModel: String?

    @Option(name: .customLong("llm-api-key"), help: ServeKey.llmAPIKey.help)
    var llmAPIKey: String?

    @Option(name: .customLong("llm-api-key-file"), help: ServeKey.llmAPIKeyFile.help)
    var llmAPIKeyFile: String?

    @Option(help: ServeKey.llmDialect.help)
    var llmDialect: String?

    @Option(help: ServeKey.llmRouting.help)
    var llmRouting: String?

    @Option(help: ServeKey.host.help)
    var host: String?

    @Option(help: ServeKey.port.help)
    var port: Int?

    @Option(help: ServeKey.contextSize.help)
    var contextSize: Int?

    @Option(help: ServeKey.threads.help)
    var threads: Int?

    @Option(help: ServeKey.parallel.help)
    var parallel: Int?

    @Option(help: ServeKey.temperature.help)
    var temperature: Double?

    @Option(help: ServeKey.topK.help)
    var topK: Int?

    @Option(help: ServeKey.topP.help)
    var topP: Double?

    @Option(help: ServeKey.minP.help)
    var minP: Double?

    @Option(help: ServeKey.repeatPenalty.help)
    var repeatPenalty: Double?

    @Option(help: ServeKey.repeatLastN.help)
    var repeatLastN: Int?

    @Option(help: ServeKey.frequencyPenalty.help)
    var frequencyPenalty: Double?

    @Option(help: ServeKey.presencePenalty.help)
    var presencePenalty: Double?

    @Option(help: ServeKey.dryMultiplier.help)
    var dryMultiplier: Double?

    @Option(help: ServeKey.dryBase.help)
    var dryBase: Double?

    @Option(help: ServeKey.dryAllowedLength.help)
    var dryAllowedLength: Int?

    @Option(help: ServeKey.dryLastN.help)
    var dryLastN: Int?

    @Option(help: ServeKey.maxTokens.help)
    var maxTokens: Int?

    @Option(help: ServeKey.chapterMaxTokens.help)
    var chapterMaxTokens: Int?

    @Option(help: ServeKey.passageShare.help)
    var passageShare: Double?

    @Option(help: ServeKey.summaryShare.help)
    var summaryShare: Double?

    @Option(help: ServeKey.seed.help)
    var seed: UInt32?

    @Option(help: ServeKey.generationTimeout.help)
    var generationTimeout: Int?

    @Option(help: ServeKey.maxQueue.help)
    var maxQueue: Int?

    @Option(help: ServeKey.cacheTokens.help)
    var cacheTokens: Int?

    @Option(help: ServeKey.cacheTypeK.help)
    var cacheTypeK: String?

    @Option(help: ServeKey.microBatch.help)
    var microBatch: Int?

    @Option(help: ServeKey.cacheDir.help)
    var cacheDir: String?

    @Option(help: ServeKey.cacheSize.help)
    var cacheSize: Int?

    @Flag(help: ServeKey.noDiskCache.help)
    var noDiskCache = false

    @Option(help: ServeKey.maxBodySize.help)
    var maxBodySize: Int?

    @Option(help: ServeKey.maxBodyMemory.help)
    var maxBodyMemory: Int?

    @Option(help: ServeKey.maxConnections.help)
    var maxConnections: Int?

    @Option(help: ServeKey.allowedOrigins.help)
    var allowedOrigins: String?

    @Option(help: ServeKey.allowedHosts.help)
    var allowedHosts: String?

    @Option(help: ServeKey.apiKey.help)
    var apiKey: [String] = []

    @Option(help: ServeKey.libraryPath.help)
    var libraryPath: String?

    @Option(help: ServeKey.databaseURL.help)
    var databaseURL: String?

    @Flag(help: ServeKey.noLibrary.help)
    var noLibrary = false

    @Option(help: ServeKey.apiKeyFile.help)
    var apiKeyFile: String?

    @Option(help: ServeKey.shutdownGrace.help)
    var shutdownGrace: Int?

    @Option(help: ServeKey.logLevel.help)
    var logLevel: String?

    @Option(help: ServeKey.otlpEndpoint.help)
    var otlpEndpoint: String?

    @Option(help: ServeKey.configFile.help)
    var configFile: String?

    /// The flags given, as the first provider of the settings.
    var commandLineProvider: InMemoryProvider {
        InMemoryProvider(name: "command line", settings: givenValues)
    }

    /// The value of every flag given, by its setting. ArgumentParser needs a property per option
    /// to parse and check it; this is the one place that names them again, and a test fails when
    /// a declared setting has no flag here.
    var givenValues: [ServeKey: ConfigContent] {
        var values: [ServeKey: ConfigContent] = [:]
        func set(_ key: ServeKey, _ content: ConfigContent?) {
            if let content { values[key] = content }
        }
        set(.modelPath, modelPath.map { .string($0) })
        set(.llmURL, llmURL.isEmpty ? nil : .stringArray(llmURL))
        set(.llmModel, llmModel.map { .string($0) })
        set(.llmAPIKey, llmAPIKey.map { .string($0) })
        set(.llmAPIKeyFile, llmAPIKeyFile.map { .string($0) })
        set(.llmDialect, llmDialect.map { .string($0) })
        set(.llmRouting, llmRouting.map { .string($0) })
        set(.host, host.map { .string($0) })
        set(.port, port.map { .int($0) })
        set(.contextSize, contextSize.map { .int($0) })
        set(.threads, threads.map { .int($0) })
        set(.parallel, parallel.map { .int($0) })
        set(.temperature, temperature.map { .double($0) })
        set(.topK, topK.map { .int($0) })
        set(.topP, topP.map { .double($0) })
        set(.minP, minP.map { .double($0) })
        set(.repeatPenalty, repeatPenalty.map { .double($0) })
        set(.repeatLastN, repeatLastN.map { .int($0) })
        set(.frequencyPenalty, frequencyPenalty.map { .double($0) })
        set(.presencePenalty, presencePenalty.map { .double($0) })
        set(.dryMultiplier, dryMultiplier.map { .double($0) })
        set(.dryBase, dryBase.map { .double($0) })
        set(.dryAllowedLength, dryAllowedLength.map { .int($0) })
        set(.dryLastN, dryLastN.map { .int($0) })
        set(.maxTokens, maxTokens.map { .int($0) })
        set(.chapterMaxTokens, chapterMaxTokens.map { .int($0) })
        set(.passageShare, passageShare.map { .double($0) })
        set(.summaryShare, summaryShare.map { .double($0) })
        set(.seed, seed.map { .int(Int($0)) })
        set(.generationTimeout, generationTimeout.map { .int($0) })
        set(.maxQueue, maxQueue.map { .int($0) })
        set(.cacheTokens, cacheTokens.map { .int($0) })
        set(.cacheTypeK, cacheTypeK.map { .string($0) })
        set(.microBatch, microBatch.map { .int($0) })
        set(.cacheDir, cacheDir.map { .string($0) })
        set(.cacheSize, cacheSize.map { .int($0) })
        set(.noDiskCache, noDiskCache ? .bool(true) : nil)
        set(.libraryPath, libraryPath.map { .string($0) })
        set(.noLibrary, noLibrary ? .bool(true) : nil)
        set(.databaseURL, databaseURL.map { .string($0) })
        set(.maxBodySize, maxBodySize.map { .int($0) })
        set(.maxBodyMemory, maxBodyMemory.map { .int($0) })
        set(.maxConnections, maxConnections.map { .int($0) })
        set(.allowedOrigins, allowedOrigins.map { .stringArray([$0]) })
        set(.allowedHosts, allowedHosts.map { .stringArray([$0]) })
        set(.apiKey, apiKey.isEmpty ? nil : .stringArray(apiKey))
        set(.apiKeyFile, apiKeyFile.map { .string($0) })
        set(.shutdownGrace, shutdownGrace.map { .int($0) })
        set(.logLevel, logLevel.map { .string($0) })
        set(.otlpEndpoint, otlpEndpoint.map { .string($0) })
        set(.configFile, configFile.map { .string($0) })
        return values
    }

    func run() async throws {
        let commandLine = commandLineProvider
        let environment = ServeSettings.environmentProvider()
        let file = try ServeSettings.fileProvider(commandLine: commandLine, environment: environment)
        let settings = try ServeSettings(ServeSettings.reader(commandLine: commandLine, environment: environment, file: file))
        let problems = settings.problems()
        guard problems.isEmpty else {
            throw ValidationError(problems.joined(separator: "\n"))
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "writer-assistant")

        let host = ModelHost()
        let loader: ModelLoadingService? =
            if let remote = settings.remote {
                ModelLoadingService(host: host, modelName: remote.modelName, logger: logger) {
                    try await RemotePool.connect(remote)
                }
            } else if let engine = settings.engine {
                ModelLoadingService(host: host, modelName: URL(fileURLWithPath: engine.modelPath).lastPathComponent, logger: logger) {
                    try await LlamaEngine.load(engine)
                }
            } else {
                nil
            }
        for upstream in settings.remote?.upstreams ?? []
        where upstream.apiKey != nil && upstream.baseURL.hasPrefix("http://")
            && !LoopbackHost.contains(URL(string: upstream.baseURL)?.host ?? "") {
            logger.warning("The model server's key is sent unencrypted: use https:// for a server on another machine",
                           metadata: ["server": "\(upstream.displayName)"])
        }
        if loader == nil {
            logger.warning("No model configured: requests will be answered with LLM_NOT_AVAILABLE. Pass --model-path or --llm-url.")
        }
        if !settings.server.apiKeys.isEmpty {
            logger.info("API keys required", metadata: ["keys": "\(settings.server.apiKeys.count)"])
        } else if !LoopbackHost.contains(settings.server.host) {
            logger.warning(
                "Listening beyond this machine without API keys: anyone who can reach it can use the model and read the library. Give keys with --api-key-file.",
                metadata: ["host": "\(settings.server.host)"])
        }
        let libraryHost = LibraryHost()
        let libraryOpener = settings.library.map { location in
            LibraryService(host: libraryHost, logger: logger) {
                try await StoryLibrary.connect(location, logger: logger)
            }
        }
        let app = buildApplication(
            configuration: settings.server, host: host, modelLoader: loader, library: libraryHost, libraryOpener: libraryOpener,
            logger: logger)
        let traces = settings.server.traces?.startOrWarn(logger: logger)
        let services = serverServiceGroup(
            running: app, configuration: settings.server, logger: logger, signals: [.sigterm, .sigint], traceExport: traces?.service)
        do {
            try await withServerTracer(traces?.tracer) { try await services.run() }
        } catch is CancellationError {
            // The grace and its margin ran out with a connection still held: it was cancelled.
            logger.warning("Stopped after cancelling the answers still held up after the grace")
        }
        logger.info("Server stopped")
    }
}
