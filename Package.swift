// swift-tools-version:6.1
import PackageDescription

// llama.cpp headers and shared libraries are copied here by `make setup` (git-ignored), so plain
// `swift build` / `swift test` find them without environment variables; the rpath lets the
// binaries load them from the same place.
let llamaLibDirectory = "\(Context.packageDirectory)/vendor/llama/lib"
let llamaLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(["-L\(llamaLibDirectory)", "-Xlinker", "-rpath", "-Xlinker", llamaLibDirectory])
]

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "writer-assistant",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "writer-assistant", targets: ["writer-assistant"]),
        .library(name: "WriterAssistantAPI", targets: ["WriterAssistantAPI"]),
        .library(name: "WriterAssistantClient", targets: ["WriterAssistantClient"]),
        .library(name: "ServerSentEventDecoding", targets: ["ServerSentEventDecoding"]),
        // For the fuzzing harnesses under fuzz/, which build it with libFuzzer's instrumentation.
        .library(name: "WriterAssistantFuzzing", targets: ["WriterAssistantFuzzing"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // Traces exported over OTLP/HTTP only: the gRPC exporter would build a gRPC stack too.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // Wire types of the public API: requests, stream events, results, error codes.
        .target(name: "WriterAssistantAPI", swiftSettings: swiftSettings),

        // The model abstraction every engine implements; no C, no I/O.
        .target(name: "WriterAssistantLLM", swiftSettings: swiftSettings),

        // Context assembly, output parsing and the operation pipeline.
        .target(
            name: "WriterAssistantCore",
            dependencies: [
                "WriterAssistantAPI", "WriterAssistantLLM",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),

        // What the fuzzing harnesses under fuzz/ do with each input; here, so that they reach the
        // core through `package` access.
        .target(
            name: "WriterAssistantFuzzing",
            dependencies: ["WriterAssistantAPI", "WriterAssistantCore"],
            swiftSettings: swiftSettings
        ),

        // The writer's library: stories, their versions and answers, and search, kept in SQLite
        // (embedded) or PostgreSQL (shared by replicas) through SQLKit, with one set of statements.
        .target(
            name: "WriterAssistantLibrary",
            dependencies: [
                "WriterAssistantAPI",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        .systemLibrary(name: "CLlama", path: "Sources/CLlama"),
        .target(
            name: "LlamaEngine",
            dependencies: [
                "CLlama",
                "WriterAssistantLLM",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: llamaLinkerSettings
        ),

        // Server-Sent Events parsing, shared by the client and the remote engine, which read
        // streams the same way and need nothing else of each other.
        .target(name: "ServerSentEventDecoding", swiftSettings: swiftSettings),

        // An engine on another server: OpenAI-compatible chat completions, streamed.
        .target(
            name: "RemoteEngine",
            dependencies: [
                "WriterAssistantLLM",
                "ServerSentEventDecoding",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),

        // A Swift client of the API: typed calls, the event stream.
        .target(
            name: "WriterAssistantClient",
            dependencies: [
                "WriterAssistantAPI",
                "ServerSentEventDecoding",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Hummingbird routes, SSE framing, validation and error mapping.
        .target(
            name: "WriterAssistantHTTP",
            dependencies: [
                "WriterAssistantAPI",
                "WriterAssistantCore",
                "WriterAssistantLibrary",
                "WriterAssistantLLM",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "OTel", package: "swift-otel"),
            ],
            // The API's OpenAPI document.
            resources: [.copy("openapi.json")],
            swiftSettings: swiftSettings
        ),

        // The writer's web app, served at `/`: plain files, no build step. The executable hands
        // its folder to the HTTP layer.
        .target(name: "WriterAssistantWebApp", resources: [.copy("Site")], swiftSettings: swiftSettings),

        .executableTarget(
            name: "writer-assistant",
            dependencies: [
                "WriterAssistantHTTP",
                "WriterAssistantLibrary",
                "WriterAssistantWebApp",
                "WriterAssistantClient",
                "LlamaEngine",
                "RemoteEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        // What the measuring tools share: the server under test, medians.
        .target(
            name: "MeasurementSupport",
            dependencies: [
                "WriterAssistantAPI", "WriterAssistantClient", "WriterAssistantCore", "WriterAssistantLLM",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // `make bench`: measures the release server and writes BENCHMARKS.md.
        .executableTarget(
            name: "writer-assistant-bench",
            dependencies: [
                "CLlama",
                "LlamaEngine",
                "MeasurementSupport",
                "RemoteEngine",
                "WriterAssistantAPI",
                "WriterAssistantClient",
                "WriterAssistantCore",
                "WriterAssistantLLM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: llamaLinkerSettings
        ),

        // `make reliability`: load, abandonment, fault, fuzz and soak trials; writes RELIABILITY.md.
        .executableTarget(
            name: "writer-assistant-reliability",
            dependencies: [
                "MeasurementSupport",
                "WriterAssistantAPI",
                "WriterAssistantClient",
                "WriterAssistantLLM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // `make eval`: runs the quality corpus through the release server and writes QUALITY.md.
        .executableTarget(
            name: "writer-assistant-eval",
            dependencies: [
                "MeasurementSupport",
                "WriterAssistantAPI",
                "WriterAssistantClient",
                "WriterAssistantCore",
                "WriterAssistantLLM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Stand-ins and helpers shared by the test targets.
        .target(
            name: "WriterAssistantTestSupport",
            dependencies: [
                "WriterAssistantAPI", "WriterAssistantLLM", "LlamaEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "WriterAssistantCoreTests",
            dependencies: [
                "WriterAssistantCore", "WriterAssistantAPI", "WriterAssistantLLM", "WriterAssistantFuzzing",
                "WriterAssistantTestSupport", "MeasurementSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServeSettingsTests",
            dependencies: [
                "writer-assistant",
                "WriterAssistantTestSupport",
                "LlamaEngine",
                "RemoteEngine",
                "WriterAssistantCore",
                "WriterAssistantHTTP",
                "WriterAssistantLLM",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RemoteEngineTests",
            dependencies: [
                "RemoteEngine", "WriterAssistantCore", "WriterAssistantAPI", "WriterAssistantLLM", "WriterAssistantTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WriterAssistantLibraryTests",
            dependencies: ["WriterAssistantLibrary", "WriterAssistantAPI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ServerSentEventDecodingTests",
            dependencies: ["ServerSentEventDecoding"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LlamaEngineTests",
            dependencies: ["CLlama", "LlamaEngine", "WriterAssistantLLM", "WriterAssistantCore", "WriterAssistantAPI", "WriterAssistantTestSupport", "MeasurementSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WriterAssistantHTTPTests",
            dependencies: [
                "WriterAssistantHTTP",
                "WriterAssistantLibrary",
                "WriterAssistantWebApp",
                "RemoteEngine",
                "WriterAssistantCore",
                "WriterAssistantAPI",
                "WriterAssistantLLM",
                "LlamaEngine",
                "WriterAssistantClient",
                "ServerSentEventDecoding",
                "WriterAssistantTestSupport",
                "MeasurementSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
