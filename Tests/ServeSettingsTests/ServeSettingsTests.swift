import ArgumentParser
import Configuration
import Foundation
import LlamaEngine
import RemoteEngine
import Logging
import Testing
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import writer_assistant

/// Settings come from the flags, else the environment, else the defaults the libraries state.
@Suite struct ServeSettingsTests {
    static func settings(_ arguments: [String], environment: [String: String] = [:]) throws -> ServeSettings {
        let command = try ServeCommand.parse(arguments)
        return try ServeSettings(ServeSettings.reader(
            commandLine: command.commandLineProvider, environment: ServeSettings.environmentProvider(environment)))
    }

    @Test func aFlagWinsOverTheEnvironmentWhichWinsOverTheDefault() throws {
        let settings = try Self.settings(
            ["--model-path", "m.gguf", "--port", "9001", "--temperature=0.2", "--allowed-origins", "http://a.test, http://b.test"],
            environment: ["PORT": "9002", "CONTEXT_SIZE": "2048", "TEMPERATURE": "0.9", "ALLOWED_ORIGINS": "http://c.test",
                          "API_KEY": "env-key-1,env-key-2", "MAX_QUEUE": "3"])
        #expect(settings.server.port == 9001)
        #expect(settings.server.pipeline.sampling.temperature == 0.2)
        #expect(settings.server.allowedOrigins == ["http://a.test", "http://b.test"])
        #expect(settings.engine?.contextSize == 2048)
        #expect(settings.engine?.maxQueuedRequests == 3)
        #expect(settings.server.apiKeys == ["env-key-1", "env-key-2"])
        // Untouched settings are the libraries' own defaults.
        #expect(settings.server.host == ServerConfiguration().host)
        #expect(settings.server.maxBodySize == ServerConfiguration().maxBodySize)
        #expect(settings.server.pipeline.sampling.maxTokens == SamplingParameters.raterDefaults.maxTokens)
        #expect(settings.engine?.parallel == LlamaEngine.Configuration(modelPath: "").parallel)
    }

    @Test func withoutFlagsOrEnvironmentEverySettingIsItsLibraryDefault() throws {
        let settings = try Self.settings([])
        let server = ServerConfiguration()
        #expect(settings.engine == nil)
        #expect(settings.server.port == server.port)
        #expect(settings.server.allowedOrigins == server.allowedOrigins)
        #expect(settings.server.allowedHosts == nil)
        #expect(settings.server.apiKeys.isEmpty)
        #expect(settings.server.shutdownGracePeriod == server.shutdownGracePeriod)
        #expect(settings.server.pipeline.generationTimeout == OperationPipeline.Configuration().generationTimeout)
        #expect(settings.server.pipeline.sampling == SamplingParameters.raterDefaults)
        #expect(settings.logLevel == .info)
    }

    /// The help shows the defaults the server uses, not copies that can drift.
    @Test func theHelpShowsTheDefaultsInUse() {
        // The help wraps its lines; the words are what count.
        let help = ServeCommand.helpMessage(columns: 1000).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let server = ServerConfiguration()
        #expect(help.contains("(default \(server.allowedOrigins.joined(separator: ",")))"))
        #expect(help.contains("(default \(server.port))"))
        #expect(help.contains("(default \(LlamaEngine.Configuration(modelPath: "").contextSize))"))
        #expect(help.contains("(default \(SamplingParameters.raterDefaults.temperature))"))
    }

    @Test(arguments: [
        (["PORT": "eighty"], "--port (or PORT) must be a whole number (got 'eighty')"),
        (["TEMPERATURE": "warm"], "--temperature (or TEMPERATURE) must be a number"),
        (["LOG_LEVEL": "loud"], "--log-level (or LOG_LEVEL) must be one of"),
        (["SEED": "-4"], "--seed (or SEED) must be a whole number"),
    ])
    func anUnusableEnvironmentValueIsAnErrorNotASilentDefault(_ environment: [String: String], message: String) {
        #expect {
            _ = try Self.settings([], environment: environment)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test func theStoryCacheLivesInTheUsersCacheDirectoryUnlessMovedOrTurnedOff() throws {
        let defaults = try #require(try Self.settings(["--model-path", "m.gguf"]).engine)
        let cache = try #require(defaults.storyCache)
        #expect(cache.directory.hasSuffix("writer-assistant/stories"))
        #expect(cache.sizeLimit == 512 << 20)
        #expect(defaults.keyCacheType == .q8_0)
        #expect(defaults.cacheTokens == nil, "the pool follows --context-size, --parallel and --max-tokens")
        // 4096 + 3 × (600 + 256) = 6664 cells, to the nearest multiple llama.cpp allocates.
        #expect(LlamaEngine.Configuration.instructionAllowance == 256)
        #expect(defaults.poolCells == 6656)

        let moved = try #require(try Self.settings(
            ["--model-path", "m.gguf", "--cache-size", "64", "--max-tokens", "300"], environment: ["CACHE_DIR": "/srv/stories"]).engine)
        #expect(moved.storyCache == StoryCacheSettings(directory: "/srv/stories", sizeLimit: 64 << 20))
        #expect(moved.poolCells == 5888, "4096 + 3 × (300 + 256) = 5764, rounded to the nearest multiple of 256")

        #expect(try Self.settings(["--model-path", "m.gguf", "--no-disk-cache"]).engine?.storyCache == nil)
        #expect(try Self.settings(["--model-path", "m.gguf"], environment: ["NO_DISK_CACHE": "true"]).engine?.storyCache == nil)
        #expect(try Self.settings(["--model-path", "m.gguf", "--cache-size", "0"]).engine?.storyCache == nil)
        let sized = try Self.settings(["--model-path", "m.gguf", "--cache-tokens", "9000", "--cache-type-k", "f16"])
        #expect(sized.engine?.poolCells == 9000)
        #expect(sized.engine?.keyCacheType == .f16)
    }

    @Test func cacheSettingsThatCannotWorkAreRefused() throws {
        #expect { _ = try Self.settings(["--model-path", "m.gguf", "--cache-type-k", "q4"]) } throws: { "\($0)".contains("--cache-type-k") }
        #expect { _ = try Self.settings(["--model-path", "m.gguf"], environment: ["CACHE_TOKENS": "many"]) } throws: {
            "\($0)".contains("--cache-tokens (or CACHE_TOKENS) must be a whole number")
        }
        let problems = try Self.settings(["--model-path", "m.gguf", "--cache-tokens", "4000", "--micro-batch", "0"]).problems()
        #expect(problems.contains { $0.contains("--cache-tokens must be more than --context-size") })
        #expect(problems.contains { $0.contains("--micro-batch must be positive") })
    }

    /// The budget's shares for summaries and for passages: each from its flag or its variable,
    /// and bounded.
    @Test(arguments: ["summary-share", "passage-share"])
    func aShareOfTheBudgetIsReadAndBounded(flag: String) throws {
        let summaries = flag == "summary-share"
        let variable = summaries ? "SUMMARY_SHARE" : "PASSAGE_SHARE"
        func share(_ settings: ServeSettings) -> Double {
            summaries ? settings.server.pipeline.summaryShare : settings.server.pipeline.passageShare
        }
        #expect(share(try Self.settings([])) == (summaries ? PromptAssembler.defaultSummaryShare : PromptAssembler.defaultPassageShare))
        #expect(share(try Self.settings(["--\(flag)", "0"])) == 0)
        #expect(share(try Self.settings([], environment: [variable: "0.3"])) == 0.3)
        let problems = try Self.settings(["--model-path", "m.gguf", "--\(flag)", "0.6"]).problems()
        #expect(problems.contains { $0.contains("--\(flag) must be from 0 (off) to 0.5 (got 0.6)") })
    }

    @Test func theSharesOfSummariesAndPassagesLeaveRoomForChapters() throws {
        let together = try Self.settings(["--model-path", "m.gguf", "--summary-share", "0.5", "--passage-share", "0.5"]).problems()
        #expect(together.contains { $0.contains("--summary-share and --passage-share together must be at most 0.75 (got 1.0)") })
        #expect(try Self.settings(["--model-path", "m.gguf", "--summary-share", "0.5", "--passage-share", "0.25"]).problems().isEmpty)
    }

    @Test func aRemoteEngineComesFromItsURLItsDialectAndItsKey() throws {
        let plain = try Self.settings(["--llm-url", "http://127.0.0.1:8080/v1"])
        #expect(plain.engine == nil)
        #expect(plain.remote?.upstreams == [RemoteEngine.Configuration(baseURL: "http://127.0.0.1:8080/v1", dialect: .auto, contextLength: 4096)])
        #expect(plain.remote?.routing == .story)
        #expect(plain.problems().isEmpty)

        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("llm-key-\(UUID().uuidString)")
        try "secret-key\n".write(to: keyFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
        defer { try? FileManager.default.removeItem(at: keyFile) }
        let configured = try Self.settings(
            ["--llm-model", "qwen", "--llm-dialect", "llama-cpp", "--context-size", "8192"],
            environment: ["LLM_URL": "http://gpu:8000/v1", "LLM_API_KEY_FILE": keyFile.path])
        #expect(configured.remote?.upstreams == [RemoteEngine.Configuration(
            baseURL: "http://gpu:8000/v1", model: "qwen", apiKey: "secret-key", dialect: .llamaCpp, contextLength: 8192)])
        #expect(try Self.settings(["--llm-url", "http://h/v1", "--llm-api-key", "given"]).remote?.upstreams.first?.apiKey == "given")

        #expect { _ = try Self.settings(["--llm-url", "http://h/v1", "--llm-dialect", "vllm"]) } throws: { "\($0)".contains("--llm-dialect") }
        #expect(try Self.settings(["--llm-url", "http://h/v1", "--model-path", "m.gguf"]).problems().contains { $0.contains("not both") })
        #expect(try Self.settings(["--llm-url", "h:8000/v1"]).problems().contains { $0.contains("--llm-url") })
    }

    @Test func aPoolComesFromRepeatedURLsOrAListInTheEnvironment() throws {
        let flags = try Self.settings(["--llm-url", "http://gpu-a:8000/v1", "--llm-url", "http://gpu-b:8000/v1", "--parallel", "8"])
        #expect(flags.remote?.upstreams.map(\.baseURL) == ["http://gpu-a:8000/v1", "http://gpu-b:8000/v1"])
        #expect(flags.remote?.upstreams.allSatisfy { $0.parallel == 8 } == true, "each server of the pool takes --parallel")
        #expect(flags.problems().isEmpty)
        let environment = try Self.settings([], environment: ["LLM_URL": "http://gpu-a:8000/v1, http://gpu-b:8000/v1", "LLM_ROUTING": "round-robin"])
        #expect(environment.remote?.upstreams.count == 2)
        #expect(environment.remote?.routing == .roundRobin)
        #expect { _ = try Self.settings(["--llm-url", "http://h/v1", "--llm-routing", "random"]) } throws: { "\($0)".contains("--llm-routing") }
        #expect(try Self.settings(["--llm-url", "http://h/v1", "--llm-url", "http://h/v1/"]).problems().contains { $0.contains("once") })
    }

    @Test func keysComeFromFlagsAndAKeyFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try "# team keys\nfile-key-1\n\n  file-key-2  \n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // Readable by others: refused, naming the fix.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect { _ = try Self.settings(["--api-key-file", file.path]) } throws: { "\($0)".contains("chmod 600") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        let settings = try Self.settings(["--api-key", "flag-key-1", "--api-key", "flag-key-2", "--api-key-file", file.path])
        #expect(settings.server.apiKeys == ["flag-key-1", "flag-key-2", "file-key-1", "file-key-2"])
        #expect(throws: ValidationError.self) { _ = try Self.settings(["--api-key-file", "/nonexistent/keys"]) }
        // Keys asked for but none given: refused, never an open server.
        try "# nobody yet\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(throws: ValidationError.self) { _ = try Self.settings(["--api-key-file", file.path]) }
        #expect(throws: ValidationError.self) { _ = try Self.settings(["--api-key", ""]) }
        #expect(throws: ValidationError.self) { _ = try Self.settings([], environment: ["API_KEY": " , "]) }
    }

    /// Every declared setting has its flag, and the flag's value reaches that setting: ArgumentParser
    /// needs a property per option, and the one list that maps them to settings must not forget
    /// or swap one.
    @Test func everyDeclaredSettingHasAFlagThatReachesTheSettings() throws {
        let given = Dictionary(uniqueKeysWithValues: ServeKey.allCases.enumerated().map { ($1, "\($0 + 1)") })
        let arguments = ServeKey.allCases.flatMap { key in key.setting.valueName == nil ? [key.flag] : [key.flag, given[key] ?? ""] }
        let values = try ServeCommand.parse(arguments).givenValues
        #expect(Set(values.keys) == Set(ServeKey.allCases))
        for key in ServeKey.allCases {
            let reached = switch values[key] {
            case .int(let int): "\(int)" == given[key]
            case .double(let double): Double(given[key] ?? "") == double
            case .string(let string): string == given[key]
            case .stringArray(let strings): strings == [given[key] ?? ""]
            case .bool(let bool): bool && key.setting.valueName == nil
            default: false
            }
            #expect(reached, "\(key.flag) \(given[key] ?? "") reached its setting as \(String(describing: values[key]))")
        }
    }

    /// docs/configuration.md's table is made from the declarations; `make settings-table`
    /// rewrites it after a change.
    @Test func theDocumentedSettingsTableIsTheDeclaredOne() throws {
        let document = try String(contentsOf: PackagePaths.file("docs/configuration.md"), encoding: .utf8)
        let current = try #require(ServeSettingsTable.splice(into: document), "docs/configuration.md has lost its table's markers")
        #expect(current == document, "docs/configuration.md's settings table is stale: run `make settings-table`")
    }

    /// Each number's declared bounds are checked, infinities and NaN included; llama.cpp's own
    /// limits apply only to it.
    @Test func aNumberOutsideItsDeclaredBoundsIsAProblem() throws {
        let problems = try Self.settings([
            "--temperature", "nan", "--frequency-penalty", "inf", "--max-body-memory", "17592186044417",
            "--generation-timeout", "9223372036854775807", "--shutdown-grace=-1",
        ]).problems()
        for message in [
            "--temperature must be 0 (greedy) or more (got nan)", "--frequency-penalty must be a finite number (got inf)",
            "--max-body-memory must be from 1 to 1048576 mebibytes (got 17592186044417)",
            "--generation-timeout must be from 1 to 604800 (a week)", "--shutdown-grace must be from 0 (end answers at once)",
        ] {
            #expect(problems.contains { $0.contains(message) }, "\(message) in \(problems)")
        }
        #expect(try Self.settings(["--llm-url", "http://h/v1", "--parallel", "300", "--threads", "0"]).problems().isEmpty,
                "a model server sets its own limit, and llama.cpp's settings are unused")
        #expect(throws: ValidationError.self, "an empty list of hosts would answer to any") { _ = try Self.settings(["--allowed-hosts", " , "]) }
        #expect(try Self.settings(["--model-path", "m.gguf", "--parallel", "300"]).problems().contains { $0.contains("--parallel must be at most 256") })
    }

    /// A JSON file of settings sits between the environment and the defaults.
    @Test func aSettingsFileComesAfterTheEnvironmentAndBeforeTheDefaults() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        try #"{"context": {"size": 2048}, "port": 9100, "temperature": 0.3, "top": {"p": 1}, "allowed": {"origins": ["http://a.test"]}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        func settings(_ arguments: [String], _ environment: [String: String]) async throws -> ServeSettings {
            let commandLine = try ServeCommand.parse(arguments).commandLineProvider
            let variables = ServeSettings.environmentProvider(environment)
            let file = try ServeSettings.fileProvider(commandLine: commandLine, environment: variables)
            return try ServeSettings(ServeSettings.reader(commandLine: commandLine, environment: variables, file: file))
        }
        let read = try await settings(["--model-path", "m.gguf", "--config-file", file.path, "--temperature", "0.9"], ["PORT": "9002"])
        #expect(read.engine?.contextSize == 2048)
        #expect(read.server.port == 9002, "the environment wins over the file")
        #expect(read.server.pipeline.sampling.temperature == 0.9, "a flag wins over the file")
        #expect(read.server.pipeline.sampling.topP == 1, "a whole number in the file is a number")
        #expect(read.server.allowedOrigins == ["http://a.test"])
        #expect(read.server.host == ServerConfiguration().host, "what the file leaves out is the default")
        #expect(try await settings([], ["WRITER_ASSISTANT_CONFIG_FILE": file.path]).server.port == 9100)

        try #"{"context": {"sise": 2048}}"#.write(to: file, atomically: true, encoding: .utf8)
        await #expect { _ = try await settings(["--config-file", file.path], [:]) } throws: { "\($0)".contains("context.sise") }
        try "port = 80".write(to: file, atomically: true, encoding: .utf8)
        await #expect { _ = try await settings(["--config-file", file.path], [:]) } throws: { "\($0)".contains("--config-file") }
        await #expect { _ = try await settings(["--config-file", "/nonexistent/settings.json"], [:]) } throws: { "\($0)".contains("--config-file") }
        // A value of the wrong kind is an error, never an absence: a key given as a number must not
        // leave the server open.
        try #"{"api": {"key": 12345}}"#.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        await #expect { _ = try await settings(["--config-file", file.path], [:]) } throws: { "\($0)".contains("--api-key (api.key in") }
        for wrong in [#"{"api": {"key": null}}"#, #"{"context": {"size": true}}"#, #"{"no": {"library": 1}}"#, #"{"api": {}}"#,
                      #"{"context": {"size": 100}, "context.size": 200}"#, #"{"allowed": {"hosts": []}}"#,
                      // The same name twice in one object: JSON's decoders would keep one unchecked.
                      #"{"llm.dialect": "auto", "llm.dialect": 7}"#, #"{"allowed": {"origins": "https://a.test"}, "allowed": {"hosts": "x y"}}"#,
                      #"{"port": 1, "\u0070ort": 2}"#] {
            try wrong.write(to: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            await #expect(throws: ValidationError.self, "\(wrong)") { _ = try await settings(["--config-file", file.path], [:]) }
        }
        try #"{"seed": 42, "allowed": {"hosts": 1}}"#.write(to: file, atomically: true, encoding: .utf8)
        await #expect { _ = try await settings(["--config-file", file.path], [:]) } throws: { "\($0)".contains("--allowed-hosts") }
        try #"{"seed": 42}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(try await settings(["--config-file", file.path], [:]).server.pipeline.sampling.seed == 42)
        // A file others could change is refused: they would choose the model server the stories go to.
        try #"{"llm": {"url": "http://elsewhere.test/v1"}}"#.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: file.path)
        await #expect { _ = try await settings(["--config-file", file.path], [:]) } throws: { "\($0)".contains("chmod 644") }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(try await settings(["--config-file", file.path], [:]).remote?.upstreams.first?.baseURL == "http://elsewhere.test/v1")
        await #expect { _ = try await settings(["--config-file", "/dev/zero"], [:]) } throws: { "\($0)".contains("not a file") }
        // A FIFO is refused at once, not waited on.
        let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("settings-fifo-\(UUID().uuidString)")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(at: fifo) }
        await #expect { _ = try await settings(["--config-file", fifo.path], [:]) } throws: { "\($0)".contains("not a file") }
        // A file that holds keys is refused while other users may read it, as a key file is.
        try #"{"api": {"key": "file-key"}}"#.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        await #expect { _ = try await settings(["--config-file", file.path], [:]) } throws: { "\($0)".contains("chmod 600") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(try await settings(["--config-file", file.path], [:]).server.apiKeys == ["file-key"])
        // Through a link (a mounted secret), the file it points to is checked and read.
        let link = FileManager.default.temporaryDirectory.appendingPathComponent("settings-link-\(UUID().uuidString).json")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        defer { try? FileManager.default.removeItem(at: link) }
        #expect(try await settings([], ["WRITER_ASSISTANT_CONFIG_FILE": link.path]).server.apiKeys == ["file-key"])
        #expect(try await settings([], ["CONFIG_FILE": "/nonexistent/another-programs.json"]).server.apiKeys.isEmpty)
    }

    /// A key file another user owns is refused even when its mode is private: they could put in
    /// their own keys. Only root can hand a file to another user, so only root runs this.
    @Test(.enabled(if: geteuid() == 0)) func aKeyFileOfAnotherUserIsRefused() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try "someone-elses-key\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(try Self.settings(["--api-key-file", file.path]).server.apiKeys == ["someone-elses-key"])
        #expect(chown(file.path, 1000, 1000) == 0)
        #expect { _ = try Self.settings(["--api-key-file", file.path]) } throws: { "\($0)".contains("belongs to another user") }
    }
}
