import ArgumentParser
import Configuration
import LlamaEngine
import Logging
import RemoteEngine
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM

/// One serve setting, declared once: the part of the server it configures, what it does and its
/// default. The flags' help, the defaults provider and the settings table of
/// docs/configuration.md are all made from these declarations, so none can drift from another.
struct ServeSetting: Sendable {
    /// The part of the server a setting belongs to, which is also its section of the docs table.
    enum Component: String, CaseIterable, Sendable {
        case sources = "The settings file"
        case model = "The model"
        case sampling = "Sampling"
        case prompt = "The prompt and its budget"
        case engine = "The engine and its cache"
        case library = "The library"
        case http = "The HTTP server and its clients"
        case observability = "Logs and traces"
    }

    /// What a setting's value is.
    enum Kind: Sendable {
        case flag, int, number, text, list

        /// As an error says what was expected.
        var described: String {
            switch self {
            case .flag: "true or false"
            case .int: "a whole number"
            case .number: "a number"
            case .text: "text"
            case .list: "text or a list of text"
            }
        }
    }

    let component: Component
    /// The placeholder of its value (`N`, `FILE`); nil for a flag that takes none.
    let valueName: String?
    /// What it does, as one sentence without a final stop (the help adds the default).
    let help: String
    /// The value used when no source gives one; nil when the setting's absence means something.
    let defaultValue: ConfigContent?
    /// How to say the default when it is not a plain value, or when there is none.
    let defaultText: String?
    /// How the docs say a default that differs by machine (a path in the user's home); the help
    /// shows the value itself.
    let documentedDefault: String?
    /// Where the docs say more, as a Markdown link from docs/ (the table shows it, the help not).
    let more: String?
    /// The values it admits, when it is a number; checks that involve other settings are in
    /// `ServeSettings.problems()`.
    let bound: SettingBound?

    /// What its value is: from its default when it has one, else `declaredKind`.
    var kind: Kind {
        switch defaultValue {
        case .bool: .flag
        case .int: .int
        case .double: .number
        case .stringArray: .list
        case .string: .text
        default: valueName == nil ? .flag : declaredKind
        }
    }
    private let declaredKind: Kind

    init(_ component: Component, _ valueName: String?, _ help: String, kind declaredKind: Kind = .text,
         default defaultValue: ConfigContent? = nil,
         shown defaultText: String? = nil, documented documentedDefault: String? = nil, bound: SettingBound? = nil,
         more: String? = nil) {
        self.documentedDefault = documentedDefault
        self.bound = bound
        self.declaredKind = declaredKind
        self.component = component
        self.valueName = valueName
        self.help = help
        self.defaultValue = defaultValue
        self.defaultText = defaultText
        self.more = more
    }

    /// The default as the docs say it.
    var defaultInDocs: String {
        documentedDefault ?? shownDefault
    }

    /// The default as the help says it.
    var shownDefault: String {
        if let defaultText { return defaultText }
        return switch defaultValue {
        case .string(let string): string
        case .int(let int): "\(int)"
        case .double(let double): "\(double)"
        case .stringArray(let strings): strings.joined(separator: ",")
        case .bool(let bool): bool ? "on" : "off"
        case .none: "none"
        case .some(let value): "\(value)"
        }
    }
}

/// The values a numeric setting admits, checked at startup, and how the error says so. Every
/// bound refuses infinities and NaN.
struct SettingBound: Sendable {
    private let test: @Sendable (Double) -> Bool
    /// What the value must be, as the error says it ("positive", "0 (off) or more").
    let says: String

    /// Checked only when the server runs a model file: a setting of llama.cpp's, unused otherwise.
    private(set) var onlyWithModelFile = false

    init(admits test: @escaping @Sendable (Double) -> Bool, says: String) {
        self.test = test
        self.says = says
    }

    /// This bound, checked only when the server runs a model file.
    var withModelFile: SettingBound {
        var bound = self
        bound.onlyWithModelFile = true
        return bound
    }

    func admits(_ value: Double) -> Bool { value.isFinite && test(value) }

    static let finite = SettingBound(admits: { _ in true }, says: "a finite number")
    static let positive = SettingBound(admits: { $0 > 0 }, says: "positive")
    /// `says` names what 0 does ("0 (off) or more").
    static func zeroOrMore(_ says: String) -> SettingBound { SettingBound(admits: { $0 >= 0 }, says: says) }
    static func atLeast(_ low: Double, _ says: String) -> SettingBound { SettingBound(admits: { $0 >= low }, says: says) }
    static func within(_ range: ClosedRange<Double>, _ says: String) -> SettingBound { SettingBound(admits: range.contains, says: says) }
}

extension ServeKey {
    /// This setting's declaration.
    var setting: ServeSetting {
        let server = ServeDefaults.server
        let pipeline = ServeDefaults.pipeline
        let sampling = pipeline.sampling
        let repetition = sampling.repetition
        let engine = ServeDefaults.engine
        return switch self {
        case .modelPath:
            ServeSetting(.model, "FILE", "GGUF model file to serve; without it (or --llm-url) the server still starts and answers LLM_NOT_AVAILABLE")
        case .llmURL:
            ServeSetting(.model, "URL", "Instead of --model-path: a model server to generate with, its API base (http://HOST:PORT/v1; for Ollama also http://HOST:11434); repeat for a pool of servers of the same model", kind: .list,
                         more: "[a model server](deployment.md#2-a-writer-with-ollama-or-a-llamacpp-server)")
        case .llmModel:
            ServeSetting(.model, "NAME", "The model that server should use", shown: "the first it lists")
        case .llmAPIKey:
            ServeSetting(.model, "KEY", "The key that server requires, sent as 'Authorization: Bearer KEY'")
        case .llmAPIKeyFile:
            ServeSetting(.model, "FILE", "A file holding that key, which other users may neither read nor change (chmod 600)")
        case .llmDialect:
            ServeSetting(.model, "DIALECT", "How to talk to that server: auto (ask it), openai (OpenAI, vLLM, llama.cpp's server), llama-cpp (llama-cpp-python's server) or ollama (Ollama's own API)",
                         default: .string(RemoteDialect.auto.rawValue))
        case .llmRouting:
            ServeSetting(.model, "POLICY", "How a pool of servers shares the work: story (every request on one story to the same server, where it is cached) or round-robin",
                         default: .string(UpstreamRouter.Policy.story.rawValue))
        case .contextSize:
            ServeSetting(.model, "N", "Tokens of context per request, prompt and answer together", default: .int(engine.contextSize),
                         bound: .positive)
        case .threads:
            ServeSetting(.engine, "N", "CPU threads for the model; more than the cores slows decoding sharply",
                         default: .int(engine.threads), shown: "one per core",
                         bound: .positive.withModelFile)
        case .parallel:
            ServeSetting(.engine, "N", "Requests decoded together in one batch; with --llm-url, generations sent to each model server at once", kind: .int,
                         shown: "\(engine.parallel); with --llm-url, 1 to llama-cpp-python's server, which writes one answer at a time, else 4",
                         bound: .positive)
        case .temperature:
            ServeSetting(.sampling, "T", "Sampling temperature; 0 is greedy", default: .double(sampling.temperature),
                         bound: .zeroOrMore("0 (greedy) or more"))
        case .topK:
            ServeSetting(.sampling, "K", "Draw only from the k likeliest tokens; 0 draws from all", default: .int(sampling.topK),
                         bound: .zeroOrMore("0 (off) or more"))
        case .topP:
            ServeSetting(.sampling, "P", "Nucleus sampling threshold, above 0 and at most 1", default: .double(sampling.topP),
                         bound: SettingBound(admits: { $0 > 0 && $0 <= 1 }, says: "above 0 and at most 1"))
        case .minP:
            ServeSetting(.sampling, "P", "Never draw a token less likely than this share of the likeliest; 0 turns it off", default: .double(sampling.minP),
                         bound: SettingBound(admits: { $0 >= 0 && $0 < 1 }, says: "at least 0 and below 1"))
        case .repeatPenalty:
            ServeSetting(.sampling, "X", "Divide the logits of tokens used in the last --repeat-last-n answer tokens by this; 1 turns it off",
                         default: .double(repetition.repeatPenalty),
                         bound: SettingBound(admits: { $0 > 0 }, says: "above 0; 1 turns it off"))
        case .repeatLastN:
            ServeSetting(.sampling, "N", "Answer tokens the repetition, frequency and presence penalties look back over",
                         default: .int(repetition.penaltyWindow),
                         bound: .zeroOrMore("0 (off) or more"))
        case .frequencyPenalty:
            ServeSetting(.sampling, "X", "Subtract this for every earlier use of a token in that window", default: .double(repetition.frequencyPenalty), bound: .finite)
        case .presencePenalty:
            ServeSetting(.sampling, "X", "Subtract this from every token used in that window", default: .double(repetition.presencePenalty), bound: .finite)
        case .dryMultiplier:
            ServeSetting(.sampling, "X", "DRY strength: penalize the token that would extend a sequence already written; 0 turns it off",
                         default: .double(repetition.dryMultiplier),
                         bound: .zeroOrMore("0 (off) or more"))
        case .dryBase:
            ServeSetting(.sampling, "X", "DRY growth per repeated token", default: .double(repetition.dryBase),
                         bound: .atLeast(1, "at least 1"))
        case .dryAllowedLength:
            ServeSetting(.sampling, "N", "Repeated sequences up to this many tokens go unpenalized by DRY", default: .int(repetition.dryAllowedLength),
                         bound: .atLeast(1, "at least 1"))
        case .dryLastN:
            ServeSetting(.sampling, "N", "Answer tokens DRY looks back over", default: .int(repetition.dryWindow),
                         bound: .zeroOrMore("0 (off) or more"))
        case .seed:
            ServeSetting(.sampling, "S", "Random seed, for repeatable answers", kind: .int, shown: "a new one per request")
        case .maxTokens:
            ServeSetting(.prompt, "N", "Most tokens of one structured answer (feedback, a review, a character sheet); reserved in the context window",
                         default: .int(sampling.maxTokens),
                         bound: .positive)
        case .chapterMaxTokens:
            ServeSetting(.prompt, "N", "Most tokens of a generated, revised or fleshed-out chapter; reserved in the context window for those",
                         default: .int(pipeline.chapterMaxTokens),
                         bound: .positive)
        case .passageShare:
            ServeSetting(.prompt, "X", "Share of the prompt's budget for passages of chapters left out when a story does not fit; 0 turns them off, at most \(PromptAssembler.largestPassageShare)",
                         default: .double(pipeline.passageShare), bound: .within(0...PromptAssembler.largestPassageShare, "from 0 (off) to \(PromptAssembler.largestPassageShare)"),
                         more: "[passages](api.md#passages-of-the-chapters-left-out), [other shares measured](../QUALITY.md#long-novels-dividing-the-budget)")
        case .summaryShare:
            ServeSetting(.prompt, "X", "Largest share of the prompt's budget for model-written summaries of chapters left out; 0 neither writes nor reads them, at most \(PromptAssembler.largestSummaryShare)",
                         default: .double(pipeline.summaryShare), bound: .within(0...PromptAssembler.largestSummaryShare, "from 0 (off) to \(PromptAssembler.largestSummaryShare)"),
                         more: "[summaries](api.md#summaries-of-the-chapters-left-out), [other shares measured](../QUALITY.md#long-novels-dividing-the-budget)")
        case .generationTimeout:
            ServeSetting(.prompt, "SECONDS", "Seconds a request may wait for and use the model, preparing its prompt included",
                         default: .int(Int(pipeline.generationTimeout.components.seconds)),
                         bound: .within(1...604_800, "from 1 to 604800 (a week)"))
        case .maxQueue:
            ServeSetting(.engine, "N", "Requests that may wait for a free slot, or have their prompt prepared, before more are refused with SERVER_BUSY; 0: none wait",
                         default: .int(engine.maxQueuedRequests),
                         bound: .zeroOrMore("0 (no waiting) or more"))
        case .cacheTokens:
            ServeSetting(.engine, "N", "Cells of the cache pool the requests share, each holding one token of a prompt or answer; requests that do not fit beside the running ones wait", kind: .int,
                         shown: "--context-size, plus --max-tokens and \(LlamaEngine.Configuration.instructionAllowance) for each further --parallel request, to the nearest multiple of the \(LlamaEngine.Configuration.poolGranularity) cells llama.cpp allocates at once: "
                             + "\(LlamaEngine.Configuration.defaultPoolCells(contextSize: engine.contextSize, parallel: engine.parallel, longestAnswer: sampling.maxTokens)) at the defaults")
        case .cacheTypeK:
            ServeSetting(.engine, "TYPE", "How the cache pool stores keys: f16 or q8_0 (half the bytes)", default: .string(engine.keyCacheType.rawValue))
        case .microBatch:
            ServeSetting(.engine, "N", "Tokens llama.cpp evaluates at once; its scratch memory grows with this times the cache pool", default: .int(engine.microBatchSize),
                         bound: .positive.withModelFile)
        case .cacheDir:
            ServeSetting(.engine, "DIR", "Where stories read before are kept across restarts, one server at a time (it holds story text, readable only by you)",
                         default: .string(ServeDefaults.cacheDirectory), documented: "$XDG_CACHE_HOME/writer-assistant/stories, else ~/.cache/…; ~/Library/Caches/… on macOS",
                         more: "[the story cache](engine.md#the-story-cache)")
        case .cacheSize:
            ServeSetting(.engine, "MIB", "Mebibytes of stories kept on disk per model; least recently used go first; 0 turns the disk cache off",
                         default: .int(ServeDefaults.cacheSizeMiB))
        case .noDiskCache:
            ServeSetting(.engine, nil, "Neither read nor write the story cache (files already there stay): a story that leaves the cache pool is read again when it returns",
                         default: .bool(false))
        case .libraryPath:
            ServeSetting(.library, "FILE", "The SQLite file of the writer's library (stories, versions, answers); created with its folder on first start",
                         default: .string(ServeDefaults.libraryPath), documented: "$XDG_DATA_HOME/writer-assistant/library.sqlite, else ~/.local/share/…; ~/Library/Application Support/… on macOS",
                         more: "[the library](api.md#the-library)")
        case .databaseURL:
            ServeSetting(.library, "URL", "A PostgreSQL URL (postgres://user:password@host:5432/database?sslmode=require) for a library every replica shares, in place of the SQLite file; prefer the DATABASE_URL variable, which keeps the password out of the process list")
        case .noLibrary:
            ServeSetting(.library, nil, "Keep no library: only requests that carry their story (structured_context) are served", default: .bool(false))
        case .host:
            ServeSetting(.http, "HOST", "Address to listen on", default: .string(server.host))
        case .port:
            ServeSetting(.http, "PORT", "Port to listen on", default: .int(server.port),
                         bound: .within(0...65_535, "between 0 and 65535"))
        case .maxBodySize:
            ServeSetting(.http, "BYTES", "Largest request body in bytes; larger ones get 413", default: .int(server.maxBodySize),
                         bound: .positive)
        case .maxBodyMemory:
            ServeSetting(.http, "MIB", "Mebibytes of request bodies held at once, being read or decoded, each counting its declared length (else --max-body-size); a body that does not fit beside them gets 503 SERVER_BUSY with Retry-After",
                         default: .int(server.maxBodyMemory >> 20),
                         bound: .within(1...1_048_576, "from 1 to 1048576 mebibytes"))
        case .maxConnections:
            ServeSetting(.http, "N", "Connections open at once; one more is answered 503 SERVER_BUSY at its first request and closed", default: .int(server.maxConnections),
                         bound: .positive)
        case .allowedOrigins:
            ServeSetting(.http, "LIST", "Comma-separated browser origins allowed to call the API; * allows any", default: .stringArray(server.allowedOrigins))
        case .allowedHosts:
            ServeSetting(.http, "LIST", "Comma-separated host names the server answers to; * answers to any, from anywhere. Listening beyond loopback without API keys is warned about at start", kind: .list,
                         shown: "loopback names when --host is loopback, else any name from the network and loopback names from this machine")
        case .apiKey:
            ServeSetting(.http, "KEY", "A key the API and /metrics require as 'Authorization: Bearer KEY'; repeat or separate with commas for several", kind: .list,
                         shown: "none, the API is open",
                         more: "[API keys](deployment.md#api-keys)")
        case .apiKeyFile:
            ServeSetting(.http, "FILE", "A file of API keys, one per line ('#' starts a comment); 'name:key' names the writer the key stands for; other users may neither read nor change it (chmod 600)")
        case .shutdownGrace:
            ServeSetting(.http, "SECONDS", "Seconds answers being written may go on after SIGTERM before they are ended",
                         default: .int(Int(server.shutdownGracePeriod.components.seconds)),
                         bound: .within(0...86_400, "from 0 (end answers at once) to 86400 (a day)"))
        case .logLevel:
            ServeSetting(.observability, "LEVEL", "Log level: trace, debug, info, notice, warning, error or critical", default: .string(ServeDefaults.logLevel.rawValue))
        case .otlpEndpoint:
            ServeSetting(.observability, "URL", "An OpenTelemetry collector's OTLP/HTTP address (http://collector:4318) to send request traces to",
                         shown: "none, no traces",
                         more: "[traces](deployment.md#traces)")
        case .configFile:
            ServeSetting(.sources, "FILE", "A JSON file of settings, each its flag's words as nested keys or joined by dots: {\"context\": {\"size\": 8192}} or {\"context.size\": 8192} sets --context-size; flags and the environment win over it. It must belong to the server's user or root, be changeable by no one else, and readable by no one else when it holds keys; paths in it are relative to the working directory")
        }
    }

    /// The flag's help: what the setting does and its default.
    var help: ArgumentHelp {
        let setting = self.setting
        // A default said in words reads after a colon: "(default: one per core)".
        let help = setting.help + (setting.bound.map { "; must be \($0.says)" } ?? "")
        let text = switch (setting.defaultValue, setting.defaultText) {
        case (nil, nil): "\(help)."
        case (_, .some(let words)): "\(help) (default: \(words))."
        case (.some, nil): "\(help) (default \(setting.shownDefault))."
        }
        return ArgumentHelp(text, valueName: setting.valueName)
    }
}
