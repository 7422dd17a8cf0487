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
            (--model-path: MODEL_PATH, --context-size: CONTEXT_SIZE, ...). A flag wins over the \
            environment, the environment over the default. Without a model the server still \
            starts and says so on every request.
            """)

    @Option(help: "GGUF model file to serve.")
    var modelPath: String?

    @Option(name: .customLong("llm-url"), help: "Instead of --model-path: a model server to generate with, its API base (http://HOST:PORT/v1; for Ollama also http://HOST:11434); repeat for a pool of servers of the same model.")
    var llmURL: [String] = []

    @Option(help: "The model that server should use (default: the first it lists).")
    var llmModel: String?

    @Option(name: .customLong("llm-api-key"), help: "The key that server requires, sent as 'Authorization: Bearer KEY'.")
    var llmAPIKey: String?

    @Option(name: .customLong("llm-api-key-file"), help: "A file holding that key.")
    var llmAPIKeyFile: String?

    @Option(help: ServeDefaults.help("How to talk to that server: auto (ask it), openai (OpenAI, vLLM, llama.cpp's server), llama-cpp (llama-cpp-python's server) or ollama (Ollama's own API)", .llmDialect))
    var llmDialect: String?

    @Option(help: ServeDefaults.help("How a pool of servers shares the work: story (every request on one story to the same server, where it is cached) or round-robin", .llmRouting))
    var llmRouting: String?

    @Option(help: ServeDefaults.help("Address to listen on", .host))
    var host: String?

    @Option(help: ServeDefaults.help("Port to listen on", .port))
    var port: Int?

    @Option(help: ServeDefaults.help("Tokens of context per request, prompt and answer together", .contextSize))
    var contextSize: Int?

    @Option(help: ServeDefaults.help("CPU threads for the model: one per core unless set", .threads))
    var threads: Int?

    @Option(help: "Requests decoded together in one batch (default: 4); with --llm-url, generations sent to each model server at once (default: 1 to llama-cpp-python's server, which writes one answer at a time, else 4).")
    var parallel: Int?

    @Option(help: ServeDefaults.help("Sampling temperature; 0 is greedy", .temperature))
    var temperature: Double?

    @Option(help: ServeDefaults.help("Draw only from the k likeliest tokens; 0 draws from all", .topK))
    var topK: Int?

    @Option(help: ServeDefaults.help("Nucleus sampling threshold", .topP))
    var topP: Double?

    @Option(help: ServeDefaults.help("Never draw a token less likely than this share of the likeliest; 0 turns it off", .minP))
    var minP: Double?

    @Option(help: ServeDefaults.help("Divide the logits of tokens used in the last --repeat-last-n answer tokens by this; 1 turns it off", .repeatPenalty))
    var repeatPenalty: Double?

    @Option(help: ServeDefaults.help("Answer tokens the repetition, frequency and presence penalties look back over", .repeatLastN))
    var repeatLastN: Int?

    @Option(help: ServeDefaults.help("Subtract this for every earlier use of a token in that window", .frequencyPenalty))
    var frequencyPenalty: Double?

    @Option(help: ServeDefaults.help("Subtract this from every token used in that window", .presencePenalty))
    var presencePenalty: Double?

    @Option(help: ServeDefaults.help("DRY strength: penalize the token that would extend a sequence already written; 0 turns it off", .dryMultiplier))
    var dryMultiplier: Double?

    @Option(help: ServeDefaults.help("DRY growth per repeated token", .dryBase))
    var dryBase: Double?

    @Option(help: ServeDefaults.help("Repeated sequences up to this many tokens go unpenalized by DRY", .dryAllowedLength))
    var dryAllowedLength: Int?

    @Option(help: ServeDefaults.help("Answer tokens DRY looks back over", .dryLastN))
    var dryLastN: Int?

    @Option(help: ServeDefaults.help("Most tokens of one structured answer (feedback, a review, a character sheet)", .maxTokens))
    var maxTokens: Int?

    @Option(help: ServeDefaults.help("Most tokens of a generated, revised or fleshed-out chapter", .chapterMaxTokens))
    var chapterMaxTokens: Int?

    @Option(help: ServeDefaults.help(
        "Share of the prompt's budget for passages of chapters left out when a story does not fit; 0 turns them off",
        .passageShare))
    var passageShare: Double?

    @Option(help: ServeDefaults.help(
        "Largest share of the prompt's budget for model-written summaries of chapters left out; 0 neither writes nor reads them",
        .summaryShare))
    var summaryShare: Double?

    @Option(help: "Random seed, for repeatable answers (default: a new one per request).")
    var seed: UInt32?

    @Option(help: ServeDefaults.help("Seconds a request may wait for and use the model", .generationTimeout))
    var generationTimeout: Int?

    @Option(help: ServeDefaults.help("Requests that may wait for a free slot before more are refused", .maxQueue))
    var maxQueue: Int?

    @Option(help: """
        Cells of the cache pool the requests share, each holding one token of a prompt or answer \
        (default: --context-size, plus --max-tokens and \(LlamaEngine.Configuration.instructionAllowance) for each further \
        --parallel request: \(LlamaEngine.Configuration.defaultPoolCells(
            contextSize: ServeDefaults.engine.contextSize, parallel: ServeDefaults.engine.parallel,
            longestAnswer: ServeDefaults.pipeline.sampling.maxTokens)) at the defaults). Requests that do not fit \
        beside the running ones wait.
        """)
    var cacheTokens: Int?

    @Option(help: ServeDefaults.help("How the cache pool stores keys: f16 or q8_0 (half the bytes)", .cacheTypeK))
    var cacheTypeK: String?

    @Option(help: ServeDefaults.help("Tokens llama.cpp evaluates at once; its scratch memory grows with it", .microBatch))
    var microBatch: Int?

    @Option(help: ServeDefaults.help("Where stories read before are kept across restarts, one server at a time (it holds story text, readable only by you)", .cacheDir))
    var cacheDir: String?

    @Option(help: ServeDefaults.help("Mebibytes of stories kept on disk per model; least recently used go first; 0 turns the disk cache off", .cacheSize))
    var cacheSize: Int?

    @Flag(help: "Neither read nor write the story cache (files already there stay): a story that leaves the cache pool is read again when it returns.")
    var noDiskCache = false

    @Option(help: ServeDefaults.help("Largest request body in bytes", .maxBodySize))
    var maxBodySize: Int?

    @Option(help: ServeDefaults.help("Mebibytes of request bodies held at once, being read or decoded; bodies beyond get 503", .maxBodyMemory))
    var maxBodyMemory: Int?

    @Option(help: ServeDefaults.help("Connections open at once; more are answered 503 and closed", .maxConnections))
    var maxConnections: Int?

    @Option(help: ServeDefaults.help("Comma-separated browser origins allowed to call the API; * allows any", .allowedOrigins))
    var allowedOrigins: String?

    @Option(help: "Comma-separated host names the server answers to; * answers to any (default: loopback names when --host is loopback, else any).")
    var allowedHosts: String?

    @Option(help: "A key the API and /metrics require as 'Authorization: Bearer KEY'; repeat for several (default: none, the API is open).")
    var apiKey: [String] = []

    @Option(help: ServeDefaults.help("The SQLite file of the writer's library (stories, versions, answers); created on first start", .libraryPath))
    var libraryPath: String?

    @Option(help: "A PostgreSQL URL (postgres://user:password@host:5432/database) for a library every replica shares, in place of the SQLite file; prefer the DATABASE_URL variable, which keeps the password out of the process list.")
    var databaseURL: String?

    @Flag(help: "Keep no library: only requests that carry their story (structured_context) are served.")
    var noLibrary = false

    @Option(help: "A file of API keys, one per line; 'name:key' names the writer the key stands for.")
    var apiKeyFile: String?

    @Option(help: ServeDefaults.help("Seconds answers being written may go on after SIGTERM before they are ended", .shutdownGrace))
    var shutdownGrace: Int?

    @Option(help: ServeDefaults.help("Log level: trace, debug, info, notice, warning, error", .logLevel))
    var logLevel: String?

    @Option(help: "An OpenTelemetry collector's OTLP/HTTP address (http://collector:4318) to send request traces to (default: none, no traces).")
    var otlpEndpoint: String?

    /// The flags given, as the first provider of the settings.
    var commandLineProvider: InMemoryProvider {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        func set(_ key: ServeKey, _ content: ConfigContent?) {
            if let content { values[key.absoluteKey] = ConfigValue(content, isSecret: key.isSecret) }
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
        set(.seed, seed.map { .string("\($0)") })
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
        return InMemoryProvider(name: "command line", values: values)
    }

    func run() async throws {
        let settings = try ServeSettings(ServeSettings.reader(
            commandLine: commandLineProvider, environment: ServeSettings.environmentProvider()))
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
