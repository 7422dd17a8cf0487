import ArgumentParser
import Configuration
import Foundation
import LlamaEngine
import RemoteEngine
import Logging
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLibrary
import WriterAssistantWebApp
import WriterAssistantLLM

/// The server's settings, read through swift-configuration's providers: the flags given, then
/// the environment, then an optional JSON file, then the defaults (`ServeSetting`).
struct ServeSettings {
    var server: ServerConfiguration
    /// Nil when no model file was given.
    var engine: LlamaEngine.Configuration?
    /// The server to generate with instead, when one was given.
    var remote: RemotePool.Configuration?
    /// Where the writer's library is kept; nil keeps none.
    var library: StoryLibrary.Location?
    var logLevel: Logger.Level
    /// Every setting outside its declared bounds (`ServeSetting.bound`), found while reading.
    private var outOfBounds: [String] = []

    /// The provider hierarchy: `commandLine` (the flags given), then `environment`, then the
    /// settings file of --config-file when one was named, then the defaults.
    static func reader(commandLine: InMemoryProvider, environment: EnvironmentVariablesProvider,
                       file: InMemoryProvider? = nil) -> ConfigReader {
        ConfigReader(providers: [commandLine, environment] + (file.map { [$0] } ?? []) + [ServeDefaults.provider])
    }

    /// The settings file named by the flag or the environment (`SettingsFile`), or nil.
    static func fileProvider(commandLine: InMemoryProvider, environment: EnvironmentVariablesProvider) throws -> InMemoryProvider? {
        let key = ServeKey.configFile
        let given = ConfigReader(provider: commandLine).string(forKey: key.key)
            ?? ConfigReader(provider: environment).string(forKey: key.environmentKey)
        guard let given, !given.isEmpty else { return nil }
        return try SettingsFile(given).provider
    }

    /// The environment provider, with the API keys marked secret.
    static func environmentProvider(_ variables: [String: String] = ProcessInfo.processInfo.environment) -> EnvironmentVariablesProvider {
        EnvironmentVariablesProvider(
            environmentVariables: variables,
            secretsSpecifier: .specific(Set(ServeKey.allCases.filter(\.isSecret).map(\.environmentVariable))))
    }

    init(_ config: ConfigReader) throws {
        let value = SettingReader(config: config)
        let repetition = RepetitionControl(
            repeatPenalty: try value.double(.repeatPenalty),
            frequencyPenalty: try value.double(.frequencyPenalty),
            presencePenalty: try value.double(.presencePenalty),
            penaltyWindow: try value.int(.repeatLastN),
            dryMultiplier: try value.double(.dryMultiplier),
            dryBase: try value.double(.dryBase),
            dryAllowedLength: try value.int(.dryAllowedLength),
            dryWindow: try value.int(.dryLastN))
        let sampling = SamplingParameters(
            temperature: try value.double(.temperature),
            topK: try value.int(.topK),
            topP: try value.double(.topP),
            minP: try value.double(.minP),
            maxTokens: try value.int(.maxTokens),
            seed: try value.optionalInt(.seed).map { number in
                guard let seed = UInt32(exactly: number) else {
                    throw value.invalid(.seed, "a whole number from 0 to \(UInt32.max)", "\(number)")
                }
                return seed
            },
            repetition: repetition)

        let allowedHosts = try value.optionalList(.allowedHosts)
        // An empty list would answer to every host: say so rather than drop the guard.
        if allowedHosts?.isEmpty == true {
            throw value.invalid(.allowedHosts, "one host name or more, or * for any", "")
        }
        let (apiKeys, writerNames) = try Self.apiKeys(value)
        server = ServerConfiguration(
            host: try value.string(.host),
            port: try value.int(.port),
            maxBodySize: try value.int(.maxBodySize),
            allowedOrigins: try value.list(.allowedOrigins),
            pipeline: .init(
                sampling: sampling, chapterMaxTokens: try value.int(.chapterMaxTokens),
                generationTimeout: .seconds(try value.int(.generationTimeout)),
                passageShare: try value.double(.passageShare), summaryShare: try value.double(.summaryShare)),
            webRoot: WebAppBundle.root,
            allowedHosts: allowedHosts.map { $0.contains("*") ? [] : $0 },
            apiKeys: apiKeys,
            writerNames: writerNames,
            shutdownGracePeriod: .seconds(try value.int(.shutdownGrace)),
            maxConnections: try value.int(.maxConnections),
            maxBodyMemory: try value.int(.maxBodyMemory) << 20,
            traces: try value.optionalString(.otlpEndpoint).flatMap { $0.isEmpty ? nil : TraceExport(endpoint: $0) })

        let modelPath = try value.optionalString(.modelPath)
        if let modelPath, !modelPath.isEmpty {
            var engine = LlamaEngine.Configuration(modelPath: modelPath)
            engine.contextSize = try value.int(.contextSize)
            engine.threads = try value.int(.threads)
            engine.parallel = try value.optionalInt(.parallel) ?? engine.parallel
            engine.maxQueuedRequests = try value.int(.maxQueue)
            // The pool's default follows the context and parallelism given, unless set itself.
            engine.cacheTokens = try value.optionalInt(.cacheTokens)
            engine.longestAnswer = sampling.maxTokens
            let keyType = try value.string(.cacheTypeK)
            guard let keyCacheType = KeyCacheType(rawValue: keyType.lowercased()) else {
                throw value.invalid(.cacheTypeK, KeyCacheType.allCases.map(\.rawValue).joined(separator: " or "), keyType)
            }
            engine.keyCacheType = keyCacheType
            engine.microBatchSize = try value.int(.microBatch)
            let cacheSize = try value.int(.cacheSize)
            guard cacheSize >= 0, cacheSize <= Int.max >> 20 else {
                throw value.invalid(.cacheSize, "a number of mebibytes, 0 or more", "\(cacheSize)")
            }
            engine.storyCache = try value.bool(.noDiskCache) || cacheSize == 0
                ? nil
                : StoryCacheSettings(directory: try value.string(.cacheDir), sizeLimit: cacheSize << 20)
            self.engine = engine
        } else {
            engine = nil
        }
        let urls = try value.list(.llmURL)
        if !urls.isEmpty {
            let dialectName = try value.string(.llmDialect)
            guard let dialect = RemoteDialect(rawValue: dialectName.lowercased()) else {
                throw value.invalid(.llmDialect, RemoteDialect.allCases.map(\.rawValue).joined(separator: " or "), dialectName)
            }
            var key = try value.optionalString(.llmAPIKey)
            if key == nil, let path = try value.optionalString(.llmAPIKeyFile) {
                key = try Self.keyFile(path, for: .llmAPIKeyFile).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            let routingName = try value.string(.llmRouting)
            guard let routing = UpstreamRouter.Policy(rawValue: routingName.lowercased()) else {
                throw value.invalid(.llmRouting, UpstreamRouter.Policy.allCases.map(\.rawValue).joined(separator: " or "), routingName)
            }
            let upstream = RemoteEngine.Configuration(
                baseURL: "", model: try value.optionalString(.llmModel), apiKey: key, dialect: dialect,
                contextLength: try value.int(.contextSize), parallel: try value.optionalInt(.parallel),
                maxQueued: try value.int(.maxQueue))
            remote = RemotePool.Configuration(
                upstreams: urls.map { url in
                    var configuration = upstream
                    configuration.baseURL = url
                    return configuration
                },
                routing: routing)
        } else {
            remote = nil
        }
        library =
            if try value.bool(.noLibrary) { nil }
            else if let url = try value.optionalString(.databaseURL), !url.isEmpty { .postgres(url: url) }
            else { .sqlite(path: try value.string(.libraryPath)) }
        let level = try value.string(.logLevel)
        guard let logLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw value.invalid(.logLevel, "one of trace, debug, info, notice, warning, error, critical", level)
        }
        self.logLevel = logLevel
        outOfBounds = ServeKey.allCases.compactMap { key in
            guard let bound = key.setting.bound, engine != nil || !bound.onlyWithModelFile else { return nil }
            let number: (value: Double, shown: String)? =
                if let int = config.int(forKey: key.key) { (Double(int), "\(int)") }
                else if let double = config.double(forKey: key.key) { (double, "\(double)") }
                else { nil }
            guard let number, !bound.admits(number.value) else { return nil }
            return "\(key.flag) must be \(bound.says) (got \(number.shown))."
        }
    }

    /// The text of a key file (`TrustedFile`), or an error naming the setting that gave it.
    private static func keyFile(_ path: String, for setting: ServeKey) throws -> String {
        let data: Data
        do {
            data = try TrustedFile.read(path, holdsSecrets: true).data
        } catch {
            throw ValidationError("\(setting.flag): the key file '\(path)' \(error.reason).")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("\(setting.flag): the key file '\(path)' is not UTF-8 text.")
        }
        return text
    }

    /// Keys given directly, plus one per line of the key file (blank lines and `#` comments
    /// skipped), where `name:key` names the writer the key stands for.
    private static func apiKeys(_ value: SettingReader) throws -> (keys: [String], names: [String: String]) {
        let given = try value.optionalList(.apiKey)
        var keys = given ?? []
        var names: [String: String] = [:]
        let file = try value.optionalString(.apiKeyFile)
        if let path = file {
            let lines = try keyFile(path, for: .apiKeyFile).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else {
                    keys.append(line)
                    continue
                }
                let name = line[..<colon].trimmingCharacters(in: .whitespaces)
                let key = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty, !key.isEmpty else {
                    throw ValidationError("\(ServeKey.apiKeyFile.flag): a line 'name:key' needs both a name and a key.")
                }
                keys.append(key)
                names[key] = name
            }
        }
        // Asking for keys and getting none (an unset variable, an empty file) must not leave the
        // server open without a word.
        if (given != nil || file != nil) && keys.isEmpty {
            throw ValidationError("\(ServeKey.apiKey.flag), \(ServeKey.apiKey.environmentVariable) or \(ServeKey.apiKeyFile.flag) was given but holds no key.")
        }
        return (keys, names)
    }

    /// Every setting that cannot work, said at startup rather than discovered by a crash or by
    /// every request failing.
    func problems() -> [String] {
        var problems = outOfBounds
        func check(_ condition: Bool, _ message: String) {
            if !condition { problems.append(message) }
        }
        let sampling = server.pipeline.sampling
        check(engine == nil || remote == nil, "Give --model-path or --llm-url, not both.")
        if let pool = remote, let remote = pool.upstreams.first {
            for upstream in pool.upstreams {
                check(upstream.baseURL.hasPrefix("http://") || upstream.baseURL.hasPrefix("https://"),
                      "--llm-url must start with http:// or https:// (got \(upstream.displayName)).")
            }
            check(Set(pool.upstreams.map(\.endpoint)).count == pool.upstreams.count, "--llm-url: each server may be given once.")
            check(remote.contextLength <= 0 || sampling.maxTokens < remote.contextLength,
                  "--max-tokens (\(sampling.maxTokens)) must be less than --context-size (\(remote.contextLength)): "
                      + "the answer is reserved in the context window, and the story needs room too.")
            check(remote.contextLength <= 0 || server.pipeline.chapterMaxTokens < remote.contextLength,
                  "--chapter-max-tokens (\(server.pipeline.chapterMaxTokens)) must be less than --context-size "
                      + "(\(remote.contextLength)): the chapter is reserved in the context window, and the story needs room too.")
        }
        if let traces = server.traces {
            check(traces.endpoint.hasPrefix("http://") || traces.endpoint.hasPrefix("https://"),
                  "--otlp-endpoint must start with http:// or https://.")
        }
        check(server.apiKeys.allSatisfy { !$0.contains(where: \.isWhitespace) }, "--api-key: a key cannot contain spaces.")
        let chapterTokens = server.pipeline.chapterMaxTokens
        let passageShare = server.pipeline.passageShare
        let summaryShare = server.pipeline.summaryShare
        check(summaryShare + passageShare <= PromptAssembler.largestSharesTogether,
              "--summary-share and --passage-share together must be at most \(PromptAssembler.largestSharesTogether) "
                + "(got \(summaryShare + passageShare)): the chapters read whole need the rest.")
        let repetition = sampling.repetition
        if let engine {
            let (cells, overflow) = engine.contextSize.multipliedReportingOverflow(by: max(engine.parallel, 1))
            check(!overflow && cells <= Int(UInt32.max),
                  "--context-size × --parallel must stay below 2^32 tokens (got \(engine.contextSize) × \(engine.parallel)).")
            // llama.cpp's own limits; a model server sets its own.
            check(engine.threads <= 1024, "--threads must be at most 1024 (got \(engine.threads)).")
            check(engine.parallel <= 256, "--parallel must be at most 256 (got \(engine.parallel)).")
            check(repetition.penaltyWindow <= engine.contextSize, "--repeat-last-n must be at most --context-size (got \(repetition.penaltyWindow)).")
            check(repetition.dryWindow <= engine.contextSize, "--dry-last-n must be at most --context-size (got \(repetition.dryWindow)).")
            if let cells = engine.cacheTokens {
                check(cells > engine.contextSize && cells <= Int(UInt32.max),
                      "--cache-tokens must be more than --context-size (\(engine.contextSize)): one request must fit alone (got \(cells)).")
            }
            check(engine.contextSize <= 0 || sampling.maxTokens < engine.contextSize,
                  "--max-tokens (\(sampling.maxTokens)) must be less than --context-size (\(engine.contextSize)): "
                      + "the answer is reserved in the context window, and the story needs room too.")
            check(engine.contextSize <= 0 || chapterTokens < engine.contextSize,
                  "--chapter-max-tokens (\(chapterTokens)) must be less than --context-size (\(engine.contextSize)): "
                      + "the chapter is reserved in the context window, and the story needs room too.")
        }
        return problems
    }
}

/// Reads settings by their `ServeKey`, turning a value that is there but unusable (`PORT=eighty`)
/// into an error that names the flag and the variable, rather than a silent default.
struct SettingReader {
    let config: ConfigReader

    func int(_ key: ServeKey) throws -> Int {
        try reading(key, "a whole number") { try config.requiredInt(forKey: key.key, isSecret: key.isSecret) }
    }

    func double(_ key: ServeKey) throws -> Double {
        try reading(key, "a number") { try config.requiredDouble(forKey: key.key, isSecret: key.isSecret) }
    }

    func string(_ key: ServeKey) throws -> String {
        try reading(key, "text") { try config.requiredString(forKey: key.key, isSecret: key.isSecret) }
    }

    func bool(_ key: ServeKey) throws -> Bool {
        try reading(key, "true or false") { try config.requiredBool(forKey: key.key, isSecret: key.isSecret) }
    }

    /// Nil when no source has it (a setting whose default follows others, or that has none).
    func optionalInt(_ key: ServeKey) throws -> Int? {
        try optional(key, "a whole number") { try config.requiredInt(forKey: key.key, isSecret: key.isSecret) }
    }

    func optionalString(_ key: ServeKey) throws -> String? {
        try optional(key, "text") { try config.requiredString(forKey: key.key, isSecret: key.isSecret) }
    }

    /// A list, from repeated flags, a comma-separated flag or variable: trimmed, blanks dropped.
    func list(_ key: ServeKey) throws -> [String] {
        try optionalList(key) ?? []
    }

    func optionalList(_ key: ServeKey) throws -> [String]? {
        let items = try optional(key, "text or a list of text") {
            do {
                return try config.requiredStringArray(forKey: key.key, isSecret: key.isSecret)
            } catch {
                // A settings file may give a list as one string, as the environment does.
                return [try config.requiredString(forKey: key.key, isSecret: key.isSecret)]
            }
        }
        return items.map { items in
            items.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    func invalid(_ key: ServeKey, _ expected: String, _ got: String?) -> ValidationError {
        let shown = key.isSecret ? "'…'" : got.map { "'\($0)'" } ?? "a value of another kind"
        return ValidationError("\(key.flag) (or \(key.environmentVariable)) must be \(expected) (got \(shown)).")
    }

    private func reading<T>(_ key: ServeKey, _ expected: String, _ read: () throws -> T) throws -> T {
        do {
            return try read()
        } catch {
            throw invalid(key, expected, config.string(forKey: key.key, isSecret: key.isSecret))
        }
    }

    /// What `read` finds; nil when no source has the setting, and an error when one has it in a
    /// form `read` cannot take (a number where text belongs is a mistake, not an absence).
    private func optional<T>(_ key: ServeKey, _ expected: String, _ read: () throws -> T) throws -> T? {
        do {
            return try read()
        } catch {
            guard isPresent(key) else { return nil }
            throw invalid(key, expected, config.string(forKey: key.key, isSecret: key.isSecret))
        }
    }

    /// Whether any source has the setting, in any form: swift-configuration's readers answer nil
    /// both for a missing value and for one of another type.
    private func isPresent(_ key: ServeKey) -> Bool {
        let (name, secret) = (key.key, key.isSecret)
        return config.string(forKey: name, isSecret: secret) != nil || config.int(forKey: name, isSecret: secret) != nil
            || config.double(forKey: name, isSecret: secret) != nil || config.bool(forKey: name, isSecret: secret) != nil
            || config.stringArray(forKey: name, isSecret: secret) != nil || config.intArray(forKey: name, isSecret: secret) != nil
            || config.doubleArray(forKey: name, isSecret: secret) != nil || config.boolArray(forKey: name, isSecret: secret) != nil
    }
}
