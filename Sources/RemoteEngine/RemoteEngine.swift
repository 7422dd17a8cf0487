import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import WriterAssistantClient
public import WriterAssistantLLM

/// A model served by another program over the OpenAI-compatible chat completions API (vLLM,
/// llama.cpp's server, llama-cpp-python's, Ollama, OpenAI): the same answers, phases and errors
/// as the in-process engine, from a larger model or another machine.
///
/// The peer owns the chat template and the tokenizer, so prompt sizes here are estimates with a
/// stated margin (`TokenEstimate`), and the counts reported are the peer's own when it gives them.
/// Generation is streamed; ending the returned stream cancels the HTTP request, which closes the
/// connection, and the peer stops writing.
public final class RemoteEngine: LanguageModel {
    public struct Configuration: Sendable, Equatable {
        /// The API's base, ending in `/v1`.
        public var baseURL: String
        /// The model the peer should use; nil asks the peer for its first.
        public var model: String?
        public var apiKey: String?
        public var dialect: RemoteDialect
        /// Tokens one generation may hold, prompt and answer: the peer's context size.
        public var contextLength: Int
        /// How long to wait for the peer to answer at all, at startup.
        public var connectTimeout: Duration

        public init(
            baseURL: String, model: String? = nil, apiKey: String? = nil, dialect: RemoteDialect = .openai,
            contextLength: Int = 4096, connectTimeout: Duration = .seconds(10)
        ) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
            self.dialect = dialect
            self.contextLength = contextLength
            self.connectTimeout = connectTimeout
        }

        var endpoint: String { baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL }
    }

    public let descriptor: ModelDescriptor
    private let configuration: Configuration
    private let model: String
    private let client: HTTPClient
    private static let logger = Logger(label: "writer-assistant.remote")

    private init(configuration: Configuration, model: String, client: HTTPClient) {
        self.configuration = configuration
        self.model = model
        self.client = client
        descriptor = ModelDescriptor(name: model, contextLength: configuration.contextLength)
    }

    /// Asks the peer which models it serves, so that a wrong address or key is said at startup;
    /// fails with `peerUnavailable` when it cannot be reached or refuses.
    public static func connect(_ configuration: Configuration) async throws -> RemoteEngine {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            var request = HTTPClientRequest(url: configuration.endpoint + "/models")
            authorize(&request, configuration)
            let response = try await client.execute(request, timeout: .seconds(Int64(configuration.connectTimeout.components.seconds)))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else {
                throw LanguageModelError.peerUnavailable(reason: "\(configuration.endpoint)/models answered \(response.status.code)")
            }
            let models = (try? JSONDecoder().decode(ModelList.self, from: Data(buffer: body)))?.data.map(\.id) ?? []
            guard let model = configuration.model ?? models.first else {
                throw LanguageModelError.peerUnavailable(reason: "\(configuration.endpoint) serves no model; pass --llm-model")
            }
            return RemoteEngine(configuration: configuration, model: model, client: client)
        } catch {
            try? await client.shutdown()
            if let error = error as? LanguageModelError { throw error }
            throw LanguageModelError.peerUnavailable(reason: "\(configuration.endpoint): \(error)")
        }
    }

    private struct ModelList: Decodable {
        struct Model: Decodable { var id: String }
        var data: [Model]
    }

    public func countTokens(_ text: String) async throws -> Int {
        TokenEstimate.tokens(in: text)
    }

    public func prepare(_ messages: [ChatMessage]) async throws -> PreparedPrompt {
        TokenEstimate.prompt(messages)
    }

    public func shutdown() {
        client.shutdown { _ in }
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let work = Task { [self] in
            do {
                try await stream(request, to: continuation)
                continuation.finish()
            } catch is CancellationError {
                continuation.finish()
            } catch let error as LanguageModelError {
                Self.logger.error("The model server failed a generation", metadata: ["error": "\(error)"])
                continuation.finish(throwing: error)
            } catch {
                Self.logger.error("The model server failed a generation", metadata: ["error": "\(error)"])
                continuation.finish(throwing: LanguageModelError.peerFailed(reason: "\(error)"))
            }
        }
        continuation.onTermination = { _ in work.cancel() }
        return events
    }

    private func stream(_ request: GenerationRequest, to continuation: AsyncThrowingStream<GenerationEvent, any Error>.Continuation) async throws {
        var http = HTTPClientRequest(url: configuration.endpoint + "/chat/completions")
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/json")
        http.headers.add(name: "Accept", value: "text/event-stream")
        Self.authorize(&http, configuration)
        http.body = .bytes(ByteBuffer(bytes: try ChatCompletionBody.encode(request, model: model, dialect: configuration.dialect)))

        let sent = ContinuousClock.now
        continuation.yield(.promptEvaluationStarted(promptTokens: request.prompt.tokenCount, reusedTokens: 0))
        // The overall limit is the pipeline's; this only keeps a vanished peer from holding the
        // request for ever when no one times it out.
        let response: HTTPClientResponse
        do {
            response = try await client.execute(http, timeout: .hours(1))
        } catch let error where !(error is CancellationError) && !Task.isCancelled {
            // No answer at all: the peer is away (refused, unreachable, closed before answering).
            throw LanguageModelError.peerUnavailable(reason: "\(configuration.endpoint): \(error)")
        }
        switch response.status.code {
        case 200..<300: break
        case 429, 503: throw LanguageModelError.peerBusy(status: Int(response.status.code))
        default:
            let detail = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            throw LanguageModelError.peerFailed(reason: "HTTP \(response.status.code) \(detail.prefix(300))")
        }

        var decoder = ServerSentEventDecoder()
        var transcript = CompletionTranscript()
        var firstText: ContinuousClock.Instant?
        do {
            reading: for try await buffer in response.body {
                for event in decoder.feed(buffer.readableBytesView) {
                    let text = try transcript.read(event.data)
                    if !text.isEmpty {
                        if firstText == nil { firstText = .now }
                        continuation.yield(.text(text))
                    }
                    if transcript.done { break reading }
                }
            }
        } catch let error as LanguageModelError {
            throw error
        } catch let error where !(error is CancellationError) && !Task.isCancelled {
            throw LanguageModelError.peerFailed(reason: "the answer broke off: \(error)")
        }
        try Task.checkCancellation()
        let firstPiece = firstText ?? .now
        continuation.yield(.finished(try transcript.summary(
            estimatedPromptTokens: request.prompt.tokenCount,
            timing: ((firstPiece - sent).inSeconds, (ContinuousClock.now - firstPiece).inSeconds))))
    }

    private static func authorize(_ request: inout HTTPClientRequest, _ configuration: Configuration) {
        if let key = configuration.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
    }

}
