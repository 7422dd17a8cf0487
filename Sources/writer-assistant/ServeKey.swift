import Configuration
import Foundation

/// The names of the serve settings. Each is read from its flag (`--context-size`), else its
/// environment variable (`CONTEXT_SIZE`), else the settings file (`{"context": {"size": …}}`),
/// else its default: one name, four sources, merged by swift-configuration's provider hierarchy.
/// What each setting is and does is declared once, in `ServeSetting`.
enum ServeKey: String, CaseIterable, Sendable {
    case modelPath = "model.path"
    case llmURL = "llm.url"
    case llmModel = "llm.model"
    case llmAPIKey = "llm.api.key"
    case llmAPIKeyFile = "llm.api.key.file"
    case llmDialect = "llm.dialect"
    case llmRouting = "llm.routing"
    case host, port
    case contextSize = "context.size"
    case threads, parallel
    case temperature
    case topK = "top.k"
    case topP = "top.p"
    case minP = "min.p"
    case repeatPenalty = "repeat.penalty"
    case repeatLastN = "repeat.last.n"
    case frequencyPenalty = "frequency.penalty"
    case presencePenalty = "presence.penalty"
    case dryMultiplier = "dry.multiplier"
    case dryBase = "dry.base"
    case dryAllowedLength = "dry.allowed.length"
    case dryLastN = "dry.last.n"
    case maxTokens = "max.tokens"
    case chapterMaxTokens = "chapter.max.tokens"
    case passageShare = "passage.share"
    case summaryShare = "summary.share"
    case seed
    case generationTimeout = "generation.timeout"
    case maxQueue = "max.queue"
    case cacheTokens = "cache.tokens"
    case cacheTypeK = "cache.type.k"
    case microBatch = "micro.batch"
    case cacheDir = "cache.dir"
    case cacheSize = "cache.size"
    case noDiskCache = "no.disk.cache"
    case libraryPath = "library.path"
    case noLibrary = "no.library"
    case databaseURL = "database.url"
    case maxBodySize = "max.body.size"
    case maxBodyMemory = "max.body.memory"
    case maxConnections = "max.connections"
    case allowedOrigins = "allowed.origins"
    case allowedHosts = "allowed.hosts"
    case apiKey = "api.key"
    case apiKeyFile = "api.key.file"
    case shutdownGrace = "shutdown.grace"
    case logLevel = "log.level"
    case otlpEndpoint = "otlp.endpoint"
    case configFile = "config.file"

    var key: ConfigKey { ConfigKey(rawValue) }
    var absoluteKey: AbsoluteConfigKey { AbsoluteConfigKey(rawValue.split(separator: ".").map(String.init)) }
    var flag: String { "--" + rawValue.replacingOccurrences(of: ".", with: "-") }
    var environmentVariable: String { environmentKey.components.joined(separator: "_").uppercased() }
    /// The key the environment provider reads: the setting's own, but for the settings file,
    /// whose variable carries the program's name since CONFIG_FILE may be another program's.
    var environmentKey: ConfigKey { self == .configFile ? ConfigKey("writer.assistant.config.file") : key }
    /// Secrets never appear in swift-configuration's access reports.
    var isSecret: Bool { self == .apiKey || self == .llmAPIKey || self == .databaseURL }
}

extension InMemoryProvider {
    /// A provider of serve settings by their keys, the secret ones marked so.
    init(name: String, settings: [ServeKey: ConfigContent]) {
        self.init(name: name, values: Dictionary(uniqueKeysWithValues: settings.map { key, content in
            (key.absoluteKey, ConfigValue(content, isSecret: key.isSecret))
        }))
    }
}
