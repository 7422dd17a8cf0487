import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import WriterAssistantTestSupport

/// A small OpenAI-compatible server on loopback that answers as scripted: for what a real peer
/// cannot be made to do on cue (refuse with 429, send a malformed chunk, break off mid-answer,
/// go silent).
final class ScriptedPeer: Sendable {
    enum Behaviour: Sendable {
        /// Streams these pieces `pause` apart, then `finish_reason`, then (when `usage`) counts.
        case answer([String], finishReason: String = "stop", usage: Bool = true, cachedTokens: Int? = nil, pause: Duration = .zero)
        /// Answers the generation with this status and a body naming the key it was sent.
        case status(Int)
        /// Streams these pieces, then closes the connection.
        case breakOff(after: [String])
        /// Streams these pieces, then says nothing more.
        case fallSilent(after: [String])
        case malformedChunk
        /// Reports an error inside the stream.
        case errorInStream
        /// Answers 200 with a JSON body, not an event stream.
        case notAStream
    }

    /// Which server it passes for.
    enum Flavour: Sendable {
        /// An OpenAI-compatible server; `owner` is what its model list names as the models' owner.
        case openai(owner: String?)
        /// Ollama: `/api/version`, `/api/tags` and `/api/chat` streaming a JSON object a line.
        case ollama
    }

    /// The completion tokens the scripted usage reports, unlike any count of pieces.
    static let reportedCompletionTokens = 77

    private let behaviour: Behaviour
    private let flavour: Flavour
    private let modelsStatus: Mutex<Int>
    private let recorded = Mutex<(bodies: [String], authorizations: [String?], clientsLeft: Int)>(([], [], 0))
    private let answering = Mutex<(now: Int, most: Int)>((0, 0))
    private let listings = Atomic<Int>(0)

    /// Times it was asked for its models: health checks, and the check when a pool connects.
    var modelListings: Int { listings.load(ordering: .relaxed) }

    /// The most answers it was writing at once.
    var mostAtOnce: Int { answering.withLock { $0.most } }

    init(_ behaviour: Behaviour, flavour: Flavour = .openai(owner: nil), modelsStatus: Int = 200) {
        self.behaviour = behaviour
        self.flavour = flavour
        self.modelsStatus = Mutex(modelsStatus)
    }

    /// What the peer answers when asked for its models from now on: its health check.
    func answerHealthChecks(with status: Int) {
        modelsStatus.withLock { $0 = status }
    }

    /// Bodies of the chat completion requests received, in order.
    var requests: [String] { recorded.withLock { $0.bodies } }
    var authorizations: [String?] { recorded.withLock { $0.authorizations } }
    /// Answers whose client closed the connection before they were written.
    var clientsLeft: Int { recorded.withLock { $0.clientsLeft } }

    /// Serves until `body` returns.
    func serve<T: Sendable>(port: Int = 0, _ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
        let router = Router()
        switch flavour {
        case .openai(let owner):
            router.get("/v1/models") { [self] _, _ in
                listings.add(1, ordering: .relaxed)
                let owned = owner.map { #","owned_by":"\#($0)""# } ?? ""
                return Response(status: .init(code: modelsStatus.withLock { $0 }), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[{"id":"scripted-peer-model","object":"model"\#(owned)}]}"#)))
            }
            router.post("/v1/chat/completions") { [self] request, _ in
                try await record(request)
                return respond()
            }
        case .ollama:
            router.get("/api/version") { _, _ in
                Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"version":"0.6.2"}"#)))
            }
            router.get("/api/tags") { [self] _, _ in
                Response(status: .init(code: modelsStatus.withLock { $0 }), headers: [.contentType: "application/json"],
                         body: .init(byteBuffer: ByteBuffer(string: #"{"models":[{"name":"scripted-ollama:latest","model":"scripted-ollama:latest"}]}"#)))
            }
            router.post("/api/chat") { [self] request, _ in
                try await record(request)
                return respondAsOllama()
            }
        }
        return try await TestListener.serve(router, port: port, label: "scripted-peer") { port in
            try await body("http://127.0.0.1:\(port)/v1")
        }
    }

    private struct BrokenOff: Error {}

    private func record(_ request: Request) async throws {
        let received = try await request.body.collect(upTo: 1 << 22)
        recorded.withLock {
            $0.bodies.append(String(buffer: received))
            $0.authorizations.append(request.headers[.authorization])
        }
    }

    /// The behaviours Ollama's framing has a form for: an answer, an error in the stream, a status.
    private func respondAsOllama() -> Response {
        let headers: HTTPFields = [.contentType: "application/x-ndjson"]
        func line(_ piece: String) -> String {
            let content = (try? JSONEncoder().encode(piece)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
            return #"{"model":"scripted-ollama:latest","message":{"role":"assistant","content":\#(content)},"done":false}"# + "\n"
        }
        switch behaviour {
        case .answer(let pieces, let finishReason, let usage, _, _):
            var body = pieces.map(line).joined()
            let counts = usage ? #","prompt_eval_count":321,"eval_count":\#(Self.reportedCompletionTokens)"# : ""
            body += #"{"model":"scripted-ollama:latest","message":{"role":"assistant","content":""},"done":true,"done_reason":"\#(finishReason)"\#(counts)}"# + "\n"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .errorInStream:
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: line("{") + #"{"error":"model runner has unexpectedly stopped"}"# + "\n")))
        case .status(let code):
            return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: #"{"error":"model 'x' not found"}"#)))
        default:
            return Response(status: .internalServerError)
        }
    }

    private func respond() -> Response {
        let headers: HTTPFields = [.contentType: "text/event-stream"]
        switch behaviour {
        case .status(let code):
            return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"Incorrect API key provided: sk-SECRET"}}"#)))
        case .malformedChunk:
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "data: {not json\n\n")))
        case .errorInStream:
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: #"data: {"error":{"message":"context window exceeded"}}"# + "\n\n")))
        case .notAStream:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"choices":[]}"#)))
        case .breakOff(let pieces):
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                for piece in pieces { try await writer.write(ByteBuffer(string: Self.chunk(piece))) }
                throw BrokenOff()
            })
        case .fallSilent(let pieces):
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                for piece in pieces { try await writer.write(ByteBuffer(string: Self.chunk(piece))) }
                try await Task.sleep(for: .seconds(60))
            })
        case .answer(let pieces, let finishReason, let usage, let cached, let pause):
            return Response(status: .ok, headers: headers, body: ResponseBody { [self] writer in
                answering.withLock {
                    $0.now += 1
                    $0.most = max($0.most, $0.now)
                }
                defer { answering.withLock { $0.now -= 1 } }
                do {
                    for piece in pieces {
                        try await writer.write(ByteBuffer(string: Self.chunk(piece)))
                        try await Task.sleep(for: pause)
                    }
                } catch {
                    recorded.withLock { $0.clientsLeft += 1 }
                    throw error
                }
                try await writer.write(ByteBuffer(string: #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"\#(finishReason)"}]}"# + "\n\n"))
                if usage {
                    let details = cached.map { #","prompt_tokens_details":{"cached_tokens":\#($0)}"# } ?? ""
                    try await writer.write(ByteBuffer(string: #"data: {"choices":[],"usage":{"prompt_tokens":321,"completion_tokens":\#(Self.reportedCompletionTokens)\#(details)}}"# + "\n\n"))
                }
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            })
        }
    }

    static func chunk(_ piece: String) -> String {
        let content = (try? JSONEncoder().encode(piece)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return #"data: {"choices":[{"index":0,"delta":{"content":\#(content)},"finish_reason":null}]}"# + "\n\n"
    }
}
