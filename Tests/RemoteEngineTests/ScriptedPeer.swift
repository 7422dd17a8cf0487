import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A small OpenAI-compatible server on loopback that answers as scripted: for what a real peer
/// cannot be made to do on cue (refuse with 429, send a malformed chunk, break off mid-answer).
final class ScriptedPeer: Sendable {
    enum Behaviour: Sendable {
        /// Streams these pieces, then `finish_reason`, then (when `usage`) the token counts.
        case answer([String], finishReason: String = "stop", usage: Bool = true, cachedTokens: Int? = nil)
        case status(Int)
        /// Streams these pieces, then closes the connection.
        case breakOff(after: [String])
        case malformedChunk
    }

    private let behaviour: Behaviour
    private let recorded = Mutex<[String]>([])

    init(_ behaviour: Behaviour) {
        self.behaviour = behaviour
    }

    /// Bodies of the chat completion requests received, in order.
    var requests: [String] { recorded.withLock { $0 } }

    /// Serves until `body` returns.
    func serve<T: Sendable>(_ body: @Sendable (_ baseURL: String) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/v1/models") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[{"id":"scripted-peer-model","object":"model"}]}"#)))
        }
        router.post("/v1/chat/completions") { [self] request, _ in
            let received = try await request.body.collect(upTo: 1 << 22)
            recorded.withLock { $0.append(String(buffer: received)) }
            return respond()
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "scripted-peer")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
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
            return Response(status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"scripted"}}"#)))
        case .malformedChunk:
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "data: {not json\n\n")))
        case .breakOff(let pieces):
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                for piece in pieces { try await writer.write(ByteBuffer(string: Self.chunk(piece))) }
                throw BrokenOff()
            })
        case .answer(let pieces, let finishReason, let usage, let cached):
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                for piece in pieces {
                    try await writer.write(ByteBuffer(string: Self.chunk(piece)))
                }
                try await writer.write(ByteBuffer(string: #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"\#(finishReason)"}]}"# + "\n\n"))
                if usage {
                    let details = cached.map { #","prompt_tokens_details":{"cached_tokens":\#($0)}"# } ?? ""
                    try await writer.write(ByteBuffer(string: #"data: {"choices":[],"usage":{"prompt_tokens":321,"completion_tokens":\#(pieces.count)\#(details)}}"# + "\n\n"))
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
