import ArgumentParser
import Configuration
import Foundation
import LlamaEngine
import RemoteEngine
import Logging
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM

/// Every serve setting's default, taken from the library type that owns it, so that the help
/// text, the settings and the libraries can never disagree.
enum ServeDefaults {
    static let server = ServerConfiguration()
    static let pipeline = OperationPipeline.Configuration()
    static let engine = LlamaEngine.Configuration(modelPath: "")
    static let logLevel = Logger.Level.info
    /// Mebibytes of stories spilled to disk per model (docs/engine.md, "The story cache", says
    /// how much a story takes).
    static let cacheSizeMiB = 512

    /// The user's cache directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches`
    /// on macOS).
    static var cacheDirectory: String {
        let base = FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask).first
            ?? FileManager.default.temporaryDirectory
        return base.appendingPathComponent("writer-assistant/stories", isDirectory: true).path
    }

    /// The library in the user's data directory (`$XDG_DATA_HOME` or `~/.local/share` on Linux,
    /// `~/Library/Application Support` on macOS).
    static var libraryPath: String {
        let environment = ProcessInfo.processInfo.environment
        #if os(Linux)
        let base = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share", isDirectory: true)
        #else
        let base = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask).first
            ?? FileManager.default.temporaryDirectory
        #endif
        return base.appendingPathComponent("writer-assistant/library.sqlite").path
    }

    static let values: [ServeKey: ConfigContent] = {
        let sampling = pipeline.sampling
        let repetition = sampling.repetition
        return [
            .host: .string(server.host),
            .port: .int(server.port),
            .maxBodySize: .int(server.maxBodySize),
            .maxBodyMemory: .int(server.maxBodyMemory >> 20),
            .maxConnections: .int(server.maxConnections),
            .allowedOrigins: .stringArray(server.allowedOrigins),
            .shutdownGrace: .int(Int(server.shutdownGracePeriod.components.seconds)),
            .generationTimeout: .int(Int(pipeline.generationTimeout.components.seconds)),
            .temperature: .double(sampling.temperature),
            .topK: .int(sampling.topK),
            .topP: .double(sampling.topP),
            .minP: .double(sampling.minP),
            .maxTokens: .int(sampling.maxTokens),
            .chapterMaxTokens: .int(pipeline.chapterMaxTokens),
            .passageShare: .double(pipeline.passageShare),
            .summaryShare: .double(pipeline.summaryShare),
            .repeatPenalty: .double(repetition.repeatPenalty),
            .repeatLastN: .int(repetition.penaltyWindow),
            .frequencyPenalty: .double(repetition.frequencyPenalty),
            .presencePenalty: .double(repetition.presencePenalty),
            .dryMultiplier: .double(repetition.dryMultiplier),
            .dryBase: .double(repetition.dryBase),
            .dryAllowedLength: .int(repetition.dryAllowedLength),
            .dryLastN: .int(repetition.dryWindow),
            .contextSize: .int(engine.contextSize),
            .threads: .int(engine.threads),
            .maxQueue: .int(engine.maxQueuedRequests),
            .cacheTypeK: .string(engine.keyCacheType.rawValue),
            .microBatch: .int(engine.microBatchSize),
            .cacheDir: .string(cacheDirectory),
            .cacheSize: .int(cacheSizeMiB),
            .noDiskCache: .bool(false),
            .libraryPath: .string(libraryPath),
            .noLibrary: .bool(false),
            .llmDialect: .string(RemoteDialect.auto.rawValue),
            .llmRouting: .string(UpstreamRouter.Policy.story.rawValue),
            .logLevel: .string(logLevel.rawValue),
        ]
    }()

    /// The last provider of the hierarchy.
    static var provider: InMemoryProvider {
        InMemoryProvider(name: "defaults", values: Dictionary(uniqueKeysWithValues: values.map {
            ($0.key.absoluteKey, ConfigValue($0.value, isSecret: false))
        }))
    }

    /// `text` followed by the setting's default, for the help of its flag.
    static func help(_ text: String, _ key: ServeKey) -> ArgumentHelp {
        guard let value = values[key] else { return ArgumentHelp(text + ".") }
        let shown: String = switch value {
        case .string(let string): string
        case .int(let int): "\(int)"
        case .double(let double): "\(double)"
        case .stringArray(let strings): strings.joined(separator: ",")
        case .bool(let bool): "\(bool)"
        default: "\(value)"
        }
        return ArgumentHelp("\(text) (default \(shown)).")
    }
}
