import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

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

    /// The completion tokens the scripted usage reports, unlike any count of pieces.
    static let reportedCompletionTokens = 77

    private let behaviour: Behaviour
    private let modelsStatus: Mutex<Int>
    private let recorded = Mutex<(bodies: [String], authorizations: [String?], clientsLeft: Int)>(([], [], 0))

    init(_ behaviour: Behaviour, modelsStatus: Int = 200) {
        self.behaviour = behaviour
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
        router.get("/v1/models") { [self] _, _ in
            Response(status: .init(code: modelsStatus.withLock { $0 }), headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[{"id":"scripted-peer-model","object":"model"}]}"#)))
        }
        router.post("/v1/chat/completions") { [self] request, _ in
            let received = try await request.body.collect(upTo: 1 << 22)
            recorded.withLock {
                $0.bodies.append(String(buffer: received))
                $0.authorizations.append(request.headers[.authorization])
            }
            return respond()
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "scripted-peer")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { portContinuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await app.runService(); return nil }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            defer { group.cancelAll() }
            return try await body("http://127.0.0.1:\(port)/v1")
        }
    }

    private struct BrokenOff: Error {}

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
