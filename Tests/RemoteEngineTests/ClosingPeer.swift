import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A model server that lists its model, then takes each chat request whole and closes the
/// connection without answering: as one that crashed on the prompt, or was stopped mid-request.
final class ClosingPeer: Sendable {
    private let received = Atomic<Int>(0)

    /// Chat requests it read before closing on them.
    var requests: Int { received.load(ordering: .relaxed) }

    func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(peer: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { channel.close(promise: nil) }
        let port = channel.localAddress?.port ?? 0
        return try await body("http://127.0.0.1:\(port)/v1")
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let peer: ClosingPeer
        var isChat = false

        init(peer: ClosingPeer) { self.peer = peer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                isChat = head.method == .POST
            case .body:
                break
            case .end:
                guard !isChat else {
                    peer.received.wrappingAdd(1, ordering: .relaxed)
                    context.close(promise: nil)
                    return
                }
                let models = ByteBuffer(string: #"{"object":"list","data":[{"id":"closing","object":"model"}]}"#)
                var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(models.readableBytes)")])
                headers.add(name: "Connection", value: "keep-alive")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(models))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
