import ArgumentParser
import Foundation
import Configuration
import Hummingbird
import LlamaEngine
import Logging
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the rater-feedback API.",
        discussion: """
            Every option can also be set by the environment variable named after it in capitals \
            (--model-path: MODEL_PATH, --context-size: CONTEXT_SIZE, ...). A flag wins over the \
            environment. Without a model the server still starts and says so on every request.
            """)

    @Option(help: "GGUF model file to serve.")
    var modelPath: String?

    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (default 8000).")
    var port: Int?

    @Option(help: "Tokens of context per request, prompt and answer together (default 4096).")
    var contextSize: Int?

    @Option(help: "CPU threads for the model (default: the number of cores).")
    var threads: Int?

    @Option(help: "Requests decoded together in one batch (default 4).")
    var parallel: Int?

    @Option(help: "Sampling temperature; 0 is greedy (default 0.7).")
    var temperature: Double?

    @Option(help: "Draw only from the k likeliest tokens; 0 draws from all (default 40).")
    var topK: Int?

    @Option(help: "Nucleus sampling threshold (default 0.9).")
    var topP: Double?

    @Option(help: "Never draw a token less likely than this share of the likeliest; 0 turns it off (default 0.05).")
    var minP: Double?

    @Option(help: "Divide the logits of tokens used in the last --repeat-last-n answer tokens by this; 1 turns it off (default 1.1).")
    var repeatPenalty: Double?

    @Option(help: "Answer tokens the repetition, frequency and presence penalties look back over (default 64).")
    var repeatLastN: Int?

    @Option(help: "Subtract this for every earlier use of a token in that window (default 0).")
    var frequencyPenalty: Double?

    @Option(help: "Subtract this from every token used in that window (default 0).")
    var presencePenalty: Double?

    @Option(help: "DRY strength: penalize the token that would extend a sequence already written; 0 turns it off (default 0.8).")
    var dryMultiplier: Double?

    @Option(help: "DRY growth per repeated token (default 1.75).")
    var dryBase: Double?

    @Option(help: "Repeated sequences up to this many tokens go unpenalized by DRY (default 2).")
    var dryAllowedLength: Int?

    @Option(help: "Answer tokens DRY looks back over (default 1024).")
    var dryLastN: Int?

    @Option(help: "Most tokens of one answer (default 600).")
    var maxTokens: Int?

    @Option(help: "Random seed, for repeatable answers (default: a new one per request).")
    var seed: UInt32?

    @Option(help: "Seconds a request may wait for and use the model (default 300).")
    var generationTimeout: Int?

    @Option(help: "Requests that may wait for a free slot before more are refused (default 64).")
    var maxQueue: Int?

    @Option(help: "Largest request body in bytes (default 8388608).")
    var maxBodySize: Int?

    @Option(help: "Comma-separated browser origins allowed to call the API; * allows any (default http://localhost:4200).")
    var allowedOrigins: String?

    @Option(help: "Comma-separated host names the server answers to; * answers to any (default: loopback names when --host is loopback, else any).")
    var allowedHosts: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error (default info).")
    var logLevel: String?

    func run() async throws {
        let settings = ServeSettings(options: self, environment: ConfigReader(provider: EnvironmentVariablesProvider()))
        let problems = settings.problems()
        guard problems.isEmpty else {
            throw ValidationError(problems.joined(separator: "\n"))
        }
        var logger = Logger(label: "writer-assistant")
        logger.logLevel = settings.logLevel

        let host = ModelHost()
        let loader = settings.engine.map { engine in
            ModelLoadingService(host: host, modelName: URL(fileURLWithPath: engine.modelPath).lastPathComponent, logger: logger) {
                try await LlamaEngine.load(engine)
            }
        }
        if loader == nil {
            logger.warning("No model configured: requests will be answered with LLM_NOT_AVAILABLE. Pass --model-path.")
        }
        let app = buildApplication(
            configuration: settings.server, host: host, modelLoader: loader, logger: logger)
        try await app.runService()
    }
}
