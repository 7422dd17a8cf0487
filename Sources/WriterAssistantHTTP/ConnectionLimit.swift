import HTTPTypes
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The server's open connections, counted across every event loop.
final class ConnectionCount: Sendable {
    /// Connections open at once beyond which new ones are refused.
    let limit: Int
    private let open = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a new connection in; false when it is one too many (it is counted all the same,
    /// until it closes).
    func opened() -> Bool {
        open.wrappingAdd(1, ordering: .relaxed).newValue <= limit
    }

    func closed() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }
}

/// Refuses connections beyond `ConnectionCount.limit`: each open connection holds buffers and a
/// place on an event loop, so a client opening thousands exhausts the server for everyone. A
/// connection over the limit is answered 503 with `Connection: close` at its first request and
/// closed; one that never sends a request is closed by the read deadline.
final class ConnectionLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let count: ConnectionCount
    private var counted = false
    private var refusing = false

    init(count: ConnectionCount) {
        self.count = count
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { countIn() }
    }

    func channelActive(context: ChannelHandlerContext) {
        countIn()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if counted {
            counted = false
            count.closed()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refusing else { return context.fireChannelRead(data) }
        guard case .head = unwrapInboundIn(data) else { return }
        let body = #"{"detail":"The server has as many connections open as it serves at once. Try again shortly.","error_code":"SERVER_BUSY"}"#
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        let head = HTTPResponse(status: .serviceUnavailable, headerFields: [
            .contentType: "application/json", .contentLength: "\(buffer.readableBytes)", .connection: "close", .retryAfter: "1",
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(buffer)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    private func countIn() {
        guard !counted else { return }
        counted = true
        refusing = !count.opened()
    }
}
