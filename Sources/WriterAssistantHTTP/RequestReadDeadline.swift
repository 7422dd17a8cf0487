import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client takes longer than `limit` to send a whole request, head and
/// body, from the moment the connection opens or the previous response ends. A client sending
/// a byte now and then keeps a connection's idle timer from ever firing; this bounds the total.
/// Once a request is read, its response may take as long as it needs (a stream, a long story).
final class RequestReadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let limit: TimeAmount
    private var deadline: Scheduled<Void>?
    /// Requests read in full, and responses sent in full: while a read request is unanswered the
    /// server is the one working, and no deadline runs.
    private var requestsRead = 0
    private var responsesSent = 0

    init(limit: TimeAmount) {
        self.limit = limit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) {
            requestsRead += 1
            update(context)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            responsesSent += 1
            update(context)
        }
        context.write(data, promise: promise)
    }

    /// Runs the deadline whenever the connection waits on its client: before a request is read in
    /// full, including when its response went out first (an early error) or while pipelined
    /// requests are answered one by one.
    private func update(_ context: ChannelHandlerContext) {
        if requestsRead > responsesSent { disarm() } else { arm(context) }
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let channel = context.channel
        deadline = context.eventLoop.scheduleTask(in: limit) {
            channel.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
