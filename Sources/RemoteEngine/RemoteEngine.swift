import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Tracing
import NIOPosix
import ServerSentEventDecoding
import Synchronization
public import WriterAssistantLLM

/// A model served by another program over the OpenAI-compatible chat completions API (vLLM,
/// llama.cpp's server, llama-cpp-python's, Ollama, OpenAI): the same answers, phases and errors
/// as the in-process engine, from a larger model or another machine.
///
/// The peer owns the chat template and the tokenizer, so prompt sizes here are estimates with a
/// stated margin (`TokenEstimate`), and the counts reported are the peer's own when it gives them.
/// Generation is streamed; ending the returned stream cancels the HTTP request, which closes the
/// connection, and the peer stops writing. What the peer says when it fails is logged, and
/// clients are told only its status: error bodies can echo keys.
public final class RemoteEngine: LanguageModel {
    public struct Configuration: Sendable, Equatable, CustomStringConvertible {
        /// The API's base, ending in `/v1`.
        public var baseURL: String
        /// The model the peer should use; nil asks the peer for its first.
        public var model: String?
        public var apiKey: String?
        public var dialect: RemoteDialect
        /// Tokens one generation may hold, prompt and answer: the peer's context size.
        public var contextLength: Int
        /// Generations sent to the peer at once; more wait here, up to `maxQueued`, and beyond
        /// that are refused (`queueFull`) rather than sent to a peer that may charge for them.
        /// Nil: the dialect's own (`RemoteDialect.defaultParallel`), once the peer is reached.
        public var parallel: Int?
        public var maxQueued: Int
        /// Longest the peer may take to answer at startup.
        public var connectTimeout: Duration
        /// Longest silence from the peer while it answers (before its first piece too: a large
        /// model on a CPU may read a long story for a minute).
        public var readTimeout: Duration

        public init(
            baseURL: String, model: String? = nil, apiKey: String? = nil, dialect: RemoteDialect = .auto,
            contextLength: Int = 4096, parallel: Int? = nil, maxQueued: Int = 64,
            connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(120)
        ) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
            self.dialect = dialect
            self.contextLength = contextLength
            self.parallel = parallel
            self.maxQueued = maxQueued
            self.connectTimeout = connectTimeout
            self.readTimeout = readTimeout
        }

        public var endpoint: String { baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL }

        /// The address without credentials or path, for logs and errors.
        public var displayName: String {
            guard let url = URL(string: baseURL), let host = url.host else { return "the model server" }
            return "\(url.scheme ?? "http")://\(host)\(url.port.map { ":\($0)" } ?? "")"
        }

        /// The address without credentials or query, path included: what tells apart two servers
        /// of a pool behind one host in `/health` and `/metrics`.
        public var label: String {
            guard let path = URL(string: endpoint)?.path, !path.isEmpty, path != "/v1" else { return displayName }
            return displayName + path
        }

        public var description: String { "\(displayName) (\(dialect.rawValue))" }
    }

    private let configuration: Configuration
    private let client: HTTPClient
    /// The model named by `--llm-model`, or the peer's first once it has listed them.
    private let model: Mutex<String?>
    private let inFlight = Atomic<Int>(0)
    private let sent = Atomic<Int>(0)
    private let slots: GenerationSlots
    /// The configured dialect, or once the peer was reached the one `auto` found.
    private let dialect: Mutex<RemoteDialect>
    /// Whether the peer keeps the prefix caches of requests with different `cache_salt`s apart
    /// (vLLM, which names itself the owner of its models): the writer's cache partition is then
    /// sent as the salt. Other servers ignore or refuse the field, so it is not sent to them.
    private let takesCacheSalt = Atomic<Bool>(false)
    private static let logger = Logger(label: "writer-assistant.remote")

    /// An engine for the peer, without asking it anything yet (`check` does).
    public init(_ configuration: Configuration) {
        self.configuration = configuration
        client = Self.client(for: configuration)
        model = Mutex(configuration.model)
        slots = GenerationSlots(configuration.parallel ?? configuration.dialect.defaultParallel)
        dialect = Mutex(configuration.dialect)
    }

    public var descriptor: ModelDescriptor {
        ModelDescriptor(
            name: model.withLock { $0 } ?? configuration.displayName, contextLength: configuration.contextLength,
            countsTokensExactly: false)
    }

    /// The API base as configured, credentials included: for routing, never for display.
    var endpoint: String { configuration.endpoint }

    /// The peer's scheme, host and port, for logs and errors.
    public var displayName: String { configuration.displayName }

    /// The peer as `/health` and `/metrics` name it (`Configuration.label`).
    public var label: String { configuration.label }

    static func client(for configuration: Configuration) -> HTTPClient {
        // The client retries a refused connection until its connect timeout: short, so that a
        // server that died costs a request seconds, not ten, before a pool passes it on.
        var settings = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(3), read: timeAmount(configuration.readTimeout)))
        // The engine traces its own requests (`stream`), with the model server's address.
        settings.tracing.tracer = nil
        settings.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, configuration.parallel ?? RemoteDialect.openai.defaultParallel))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
    }

    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// Asks the peer which models it serves, so that a wrong address or key is said at startup;
    /// fails with `peerUnavailable`, saying what to check, when it cannot be reached or refuses.
    public static func connect(_ configuration: Configuration) async throws -> RemoteEngine {
        let engine = RemoteEngine(configuration)
        do {
            try await engine.check(within: configuration.connectTimeout)
        } catch {
            engine.shutdown()
            throw (error as? CheckFailure)?.error ?? error
        }
        return engine
    }

    /// Why a check failed, when it is not simply that the peer could not be reached.
    struct CheckFailure: Error, CustomStringConvertible {
        enum Kind {
            /// It took the connection but did not answer within the limit: away, or busy
            /// (llama-cpp-python's server lists its models only between answers, and one replica
            /// cannot see the answers another has it write).
            case slow
            /// It answered but cannot be used as configured (a refused key, a wrong path, no
            /// model): unlike a peer that did not answer, waiting will not mend it.
            case misconfigured
        }

        var kind: Kind
        var reason: String
        var error: LanguageModelError { .peerUnavailable(reason: reason) }
        var description: String { error.description }
    }

    /// The dialect generations are sent in: `auto` until the peer has been reached.
    public var resolvedDialect: RemoteDialect { dialect.withLock { $0 } }

    /// Whether the peer answers, which model it serves when none was named, and (for `auto`)
    /// which dialect it speaks: asked within `limit`. Fails with `peerUnavailable` saying what to
    /// check, or `CheckFailure` when it was slow or answered but not as configured.
    public func check(within limit: Duration) async throws {
        let configuration = configuration
        let client = client
        let known = resolvedDialect
        do {
            let (dialect, models) = try await withDeadline(limit, else: CheckFailure(
                kind: .slow, reason: "\(configuration.displayName) did not answer within \(limit.components.seconds) s \(Self.addressHint)")
            ) {
                var dialect = known
                if dialect == .auto, await Self.answersOllamaVersion(configuration, client: client, within: limit) {
                    dialect = .ollama
                }
                let models = try await Self.models(configuration, dialect: dialect == .auto ? .openai : dialect, client: client, within: limit)
                if dialect == .auto {
                    dialect = RemoteDialect.detect(answersOllamaVersion: false, modelOwner: models.first?.owner)
                }
                return (dialect, models)
            }
            takesCacheSalt.store(dialect == .openai && models.first?.owner == "vllm", ordering: .relaxed)
            if known == .auto {
                Self.logger.info("The model server's dialect", metadata: ["server": "\(configuration.displayName)", "dialect": "\(dialect.rawValue)"])
                self.dialect.withLock { $0 = dialect }
                if configuration.parallel == nil { slots.resize(to: dialect.defaultParallel) }
            }
            if configuration.model == nil {
                guard let first = models.first?.id else {
                    throw CheckFailure(kind: .misconfigured, reason: "\(configuration.displayName) lists no model; name one with --llm-model")
                }
                model.withLock { if $0 == nil { $0 = first } }
            }
        } catch let error as LanguageModelError {
            throw error
        } catch let error as CheckFailure {
            throw error
        } catch {
            Self.logger.debug("The model server cannot be reached", metadata: ["server": "\(configuration.displayName)", "error": "\(error)"])
            throw LanguageModelError.peerUnavailable(reason: "\(configuration.displayName) did not answer \(Self.addressHint)")
        }
    }

    private static let addressHint = "(is it running, and is --llm-url its API base?)"

    /// Whether the peer is Ollama: it alone answers `GET /api/version` with its version.
    private static func answersOllamaVersion(_ configuration: Configuration, client: HTTPClient, within limit: Duration) async -> Bool {
        var request = HTTPClientRequest(url: RemoteDialect.root(of: configuration.endpoint) + "/api/version")
        authorize(&request, configuration)
        guard let response = try? await client.execute(request, timeout: timeAmount(limit)), response.status == .ok,
              let body = try? await response.body.collect(upTo: 1 << 16) else { return false }
        return (try? JSONDecoder().decode(OllamaVersion.self, from: Data(buffer: body))) != nil
    }

    private struct OllamaVersion: Decodable {
        var version: String
    }

    private struct ListedModel {
        var id: String
        var owner: String?
    }

    /// The models the peer lists, in its dialect.
    private static func models(
        _ configuration: Configuration, dialect: RemoteDialect, client: HTTPClient, within limit: Duration
    ) async throws -> [ListedModel] {
        let url = dialect.modelsURL(configuration.endpoint)
        var request = HTTPClientRequest(url: url)
        authorize(&request, configuration)
        // A little past the caller's deadline, which says what a slow answer means.
        let response = try await client.execute(request, timeout: timeAmount(limit + .seconds(1)))
        let body = try await response.body.collect(upTo: 1 << 20)
        switch response.status.code {
        case 200..<300: break
        case 401, 403:
            throw CheckFailure(kind: .misconfigured, reason: "\(configuration.displayName) refused the key (HTTP \(response.status.code)); check --llm-api-key")
        case 404:
            throw CheckFailure(kind: .misconfigured, reason: "\(configuration.displayName) has no \(URL(string: url)?.path ?? "") (HTTP 404); --llm-url should be the API base, usually ending in /v1")
        default:
            throw LanguageModelError.peerUnavailable(reason: "\(configuration.displayName) answered HTTP \(response.status.code) when asked for its models")
        }
        if dialect == .ollama {
            let list = try? JSONDecoder().decode(OllamaModelList.self, from: Data(buffer: body))
            return list?.models.map { ListedModel(id: $0.name) } ?? []
        }
        let list = try? JSONDecoder().decode(ModelList.self, from: Data(buffer: body))
        return list?.data.map { ListedModel(id: $0.id, owner: $0.owned_by) } ?? []
    }

    private struct ModelList: Decodable {
        struct Model: Decodable {
            var id: String
            // swiftlint:disable:next identifier_name
            var owned_by: String?
        }

        var data: [Model]
    }

    private struct OllamaModelList: Decodable {
        struct Model: Decodable { var name: String }
        var models: [Model]
    }

    public func countTokens(_ text: String) async throws -> Int {
        TokenEstimate.tokens(in: text)
    }

    public func prepare(_ messages: [ChatMessage]) async throws -> PreparedPrompt {
        TokenEstimate.prompt(messages)
    }

    public var load: ModelLoad? {
        let count = inFlight.load(ordering: .relaxed)
        let parallel = slots.capacity
        return ModelLoad(running: min(count, parallel), waiting: max(0, count - parallel))
    }

    public func shutdown() {
        client.shutdown { _ in }
    }

    /// Generations taken on since the engine was made (sent, or waiting to be).
    public var generationsTaken: Int { sent.load(ordering: .relaxed) }

    /// Whether no generation is under way here.
    var isIdle: Bool { inFlight.load(ordering: .relaxed) == 0 }

    /// Generations that may wait here beyond those being served.
    var queueLimit: Int { max(0, configuration.maxQueued) }

    /// What a pool's router needs to know of this upstream.
    func routingView(isUp: Bool) -> UpstreamRouter.Upstream {
        UpstreamRouter.Upstream(
            address: configuration.endpoint, isUp: isUp, inFlight: inFlight.load(ordering: .relaxed),
            parallel: slots.capacity, queueLimit: queueLimit)
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let limit = slots.capacity + max(0, configuration.maxQueued)
        guard inFlight.wrappingAdd(1, ordering: .relaxed).newValue <= limit else {
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            continuation.finish(throwing: LanguageModelError.queueFull(limit: configuration.maxQueued))
            return events
        }
        sent.wrappingAdd(1, ordering: .relaxed)
        let work = Task { [self] in
            var failure: LanguageModelError?
            do {
                let arrived = ContinuousClock.now
                try await slots.acquire()
                defer { slots.release() }
                let waited = (ContinuousClock.now - arrived).inSeconds
                // Named and described as OpenTelemetry's conventions for HTTP clients say, the
                // address without credentials.
                try await withSpan("POST", ofKind: .client) { span in
                    let url = URL(string: resolvedDialect.chatURL(configuration.endpoint))
                    span.attributes["http.request.method"] = "POST"
                    span.attributes["server.address"] = url?.host ?? ""
                    if let port = url?.port { span.attributes["server.port"] = port }
                    span.attributes["url.path"] = url?.path ?? ""
                    span.attributes["writer_assistant.model_server"] = configuration.label
                    span.attributes["writer_assistant.queue_seconds"] = waited
                    try await stream(request, waited: waited, span: span, to: continuation)
                }
            } catch where !Task.isCancelled && !(error is CancellationError) {
                // (A client that left cancelled the request; that is no failure of the peer.)
                failure = error as? LanguageModelError ?? .peerFailed(reason: "the request failed")
                Self.logger.error("The model server failed a generation", metadata: [
                    "server": "\(configuration.displayName)", "error": "\(error)",
                ])
            } catch {}
            // Counted out before the stream ends, so that whoever saw it end sees the load without it.
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            continuation.finish(throwing: failure)
        }
        continuation.onTermination = { _ in work.cancel() }
        return events
    }

    /// Whether `error` of a request means it never reached the peer: no connection could be made.
    /// Anything else (a connection closed or reset, a broken response) may come after the peer
    /// read the request.
    static func failedBeforeSending(_ error: any Error) -> Bool {
        switch error {
        case let error as HTTPClientError: error == .connectTimeout || error == .getConnectionFromPoolTimeout
        case is NIOConnectionError: true
        case let error as ChannelError: if case .connectTimeout = error { true } else { false }
        case let error as IOError: [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode)
        default: false
        }
    }

    /// More than any answer's stream holds (a few thousand tokens at some 150 bytes each): a peer
    /// that sends more is not streaming an answer.
    static let largestStream = 16 << 20

    private func stream(
        _ request: GenerationRequest, waited: Double, span: any Span,
        to continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation
    ) async throws {
        let dialect = resolvedDialect
        guard let model = model.withLock({ $0 }), dialect != .auto else {
            throw LanguageModelError.peerUnavailable(reason: "\(configuration.displayName) has not yet said which model it serves")
        }
        var http = HTTPClientRequest(url: dialect.chatURL(configuration.endpoint))
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: dialect.streamType)
        Self.authorize(&http, configuration)
        TraceHeaders.inject(into: &http.headers)
        http.body = .bytes(ByteBuffer(bytes: try ChatCompletionBody.encode(
            request, model: model, dialect: dialect, contextLength: configuration.contextLength,
            cacheSalt: takesCacheSalt.load(ordering: .relaxed) ? request.cachePartition : nil)))

        let sent = ContinuousClock.now
        continuation.yield(.promptEvaluationStarted(promptTokens: request.prompt.tokenCount, reusedTokens: 0))
        // The overall limit is the pipeline's, the silence limit the client's read timeout.
        let response: HTTPClientResponse
        do {
            response = try await client.execute(http, timeout: .hours(1))
        } catch where !Task.isCancelled {
            Self.logger.error("The model server did not answer", metadata: ["server": "\(configuration.displayName)", "error": "\(error)"])
            if let error = error as? HTTPClientError, error == .readTimeout {
                throw LanguageModelError.peerFailed(reason: "it went silent for \(configuration.readTimeout.components.seconds) s")
            }
            // Never reached (refused, unreachable): the peer is away, and another may take it.
            guard Self.failedBeforeSending(error) else {
                // The request went out and the connection closed: the peer may be running it (or
                // have crashed on it), so it must not be sent to another, which would run it twice.
                throw LanguageModelError.peerFailed(reason: "it closed the connection before answering")
            }
            throw LanguageModelError.peerUnavailable(reason: "\(configuration.displayName) did not answer")
        }
        span.attributes["http.response.status_code"] = Int(response.status.code)
        switch response.status.code {
        case 200..<300: break
        case 429, 503: throw LanguageModelError.peerBusy(status: Int(response.status.code))
        default:
            let detail = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            // The body may echo the story or a key: its length here, a masked prefix at debug.
            Self.logger.error("The model server refused a generation", metadata: [
                "server": "\(configuration.displayName)", "status": "\(response.status.code)", "body_bytes": "\(detail.utf8.count)",
            ])
            Self.logger.debug("What the model server said", metadata: ["server": "\(configuration.displayName)", "body": "\(PeerText.redacted(detail))"])
            throw LanguageModelError.peerFailed(reason: "it answered HTTP \(response.status.code)")
        }
        let type = response.headers.first(name: "Content-Type") ?? ""
        guard type.lowercased().hasPrefix(dialect.streamType) else {
            throw LanguageModelError.peerFailed(reason: "it answered \(type.isEmpty ? "without a content type" : type.prefix(60)), not \(dialect.streamType)")
        }

        var events = ServerSentEventDecoder()
        var lines = LineDecoder()
        var transcript = CompletionTranscript()
        var firstText: ContinuousClock.Instant?
        var received = 0
        func read(_ frame: String) throws {
            let text: String
            do {
                text = try dialect == .ollama ? transcript.readOllama(frame) : transcript.read(frame)
            } catch {
                let said = transcript.peerMessage ?? frame
                Self.logger.error("The model server's stream failed", metadata: [
                    "server": "\(configuration.displayName)", "said_bytes": "\(said.utf8.count)",
                ])
                Self.logger.debug("What the model server said", metadata: ["server": "\(configuration.displayName)", "said": "\(PeerText.redacted(said))"])
                throw error
            }
            if !text.isEmpty {
                if firstText == nil { firstText = .now }
                continuation.yield(.text(text))
            }
        }
        do {
            reading: for try await buffer in response.body {
                received += buffer.readableBytes
                guard received <= Self.largestStream else {
                    throw LanguageModelError.peerFailed(reason: "its stream went past \(Self.largestStream >> 20) MiB")
                }
                let frames: [String]
                if dialect == .ollama {
                    do {
                        frames = try lines.feed(buffer.readableBytesView)
                    } catch {
                        throw LanguageModelError.peerFailed(reason: "it sent a line longer than \(LineDecoder.longestLine >> 20) MiB")
                    }
                } else {
                    frames = events.feed(buffer.readableBytesView).map(\.data)
                }
                for frame in frames {
                    try read(frame)
                    if transcript.done { break reading }
                }
            }
            // Ollama's last line may come without its newline.
            if dialect == .ollama, !transcript.done, let last = lines.finish() { try read(last) }
        } catch let error as LanguageModelError {
            throw error
        } catch where !Task.isCancelled {
            Self.logger.error("The model server's answer broke off", metadata: ["server": "\(configuration.displayName)", "error": "\(error)"])
            throw LanguageModelError.peerFailed(reason: "its answer broke off")
        }
        try Task.checkCancellation()
        let firstPiece = firstText ?? .now
        continuation.yield(.finished(try transcript.summary(
            estimatedPromptTokens: request.prompt.tokenCount,
            timing: (waited, (firstPiece - sent).inSeconds, (ContinuousClock.now - firstPiece).inSeconds))))
    }

    private static func authorize(_ request: inout HTTPClientRequest, _ configuration: Configuration) {
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
    }
}
