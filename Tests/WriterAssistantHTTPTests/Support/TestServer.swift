import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServerSentEventDecoding
import ServiceLifecycle
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLibrary
import WriterAssistantTestSupport

/// A real server on a free loopback port, for the duration of `body`.
struct TestServer {
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Tells the server to stop, as SIGTERM does.
    let beginShutdown: @Sendable () async -> Void

    static var quietLogger: Logger {
        var logger = Logger(label: "test-server")
        logger.logLevel = .warning
        return logger
    }

    static func with<T: Sendable>(
        host: ModelHost,
        configuration: ServerConfiguration = ServerConfiguration(),
        modelLoader: ModelLoadingService? = nil,
        library: LibraryHost = LibraryHost(),
        libraryOpener: LibraryService? = nil,
        logger: Logger = quietLogger,
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        var configuration = configuration
        // Loopback, unless a test is about listening on every address.
        if configuration.host != "0.0.0.0" { configuration.host = "127.0.0.1" }
        configuration.port = 0
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildApplication(
            configuration: configuration, host: host, modelLoader: modelLoader, library: library, libraryOpener: libraryOpener, logger: logger
        ) { port in
            portContinuation.yield(port)
        }
        let traces = try configuration.traces?.start(logger: logger)
        let services = serverServiceGroup(running: app, configuration: configuration, logger: logger, traceExport: traces?.service)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await withServerTracer(traces?.tracer) { try await services.run() } }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                let result = try await body(TestServer(port: port, beginShutdown: { await services.triggerGracefulShutdown() }))
                await services.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    // MARK: Requests

    func post(_ path: String, body: ByteBuffer, headers: [(String, String)] = [("Content-Type", "application/json")])
        async throws -> HTTPClientResponse
    {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(body)
        return try await HTTPClient.shared.execute(request, timeout: .seconds(120))
    }

    func post(_ path: String, json: some Encodable) async throws -> HTTPClientResponse {
        try await post(path, body: ByteBuffer(bytes: try JSONEncoder().encode(json)))
    }

    func post(_ path: String, raw: String) async throws -> HTTPClientResponse {
        try await post(path, body: ByteBuffer(string: raw))
    }

    func send(
        _ method: NIOHTTP1.HTTPMethod, _ path: String, json: String? = nil, headers: [(String, String)] = []
    ) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await HTTPClient.shared.execute(request, timeout: .seconds(60))
    }

    /// A server with a library of its own in a fresh folder, removed afterwards.
    static func withLibrary<T: Sendable>(
        host: ModelHost = ModelHost(),
        configuration: ServerConfiguration = ServerConfiguration(),
        modelLoader: ModelLoadingService? = nil,
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("library-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let library = LibraryHost()
        let opener = LibraryService(host: library, logger: quietLogger) {
            try await StoryLibrary.openSQLite(path: folder.appendingPathComponent("library.sqlite").path, logger: quietLogger)
        }
        return try await with(host: host, configuration: configuration, modelLoader: modelLoader, library: library, libraryOpener: opener) { server in
            // The library opens in the background; the server answers meanwhile.
            for _ in 0..<200 {
                if case .ready = library.status { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            return try await body(server)
        }
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    }

    func options(_ path: String, headers: [(String, String)]) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .OPTIONS
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    }

    /// Posts to the streaming endpoint and parses the events as they arrive, each with the time
    /// it arrived.
    func stream<Request: OperationRequest>(
        _ request: Request, query: String = ""
    ) async throws -> (HTTPClientResponse, [TimedEvent<Request.Result>]) {
        let response = try await post("/api/v1/\(Request.operationName)/stream" + query, json: request)
        var parser = ServerSentEventDecoder()
        var events: [TimedEvent<Request.Result>] = []
        for try await chunk in response.body {
            for event in parser.feed(chunk.readableBytesView) {
                events.append(TimedEvent(
                    event: try JSONDecoder().decode(OperationEvent<Request.Result>.self, from: Data(event.data.utf8)),
                    arrived: .now))
            }
        }
        return (response, events)
    }
}

struct TimedEvent<Result: OperationResult>: Sendable {
    var event: OperationEvent<Result>
    var arrived: ContinuousClock.Instant
}

extension HTTPClientResponse {
    func bodyData() async throws -> Data {
        Data(try await body.collect(upTo: 16 << 20).readableBytesView)
    }

    func decode<T: Decodable>(_ type: T.Type) async throws -> T {
        try JSONDecoder().decode(type, from: try await bodyData())
    }
}

extension OperationEvent {
    var phase: FeedbackPhase? {
        if case .status(let phase, _, _, _) = self { phase } else { nil }
    }
}

let minimalRequest = RaterFeedbackRequest(
    raterPrompt: "You are a story critic. Evaluate this plot point.",
    plotPoint: "The hero discovers a hidden door in the basement.")
