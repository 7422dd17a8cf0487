package import Hummingbird
import NIOCore
import WriterAssistantLibrary

/// The server's request context: Hummingbird's own, plus the record of what the request did,
/// which handlers fill in and the observation middleware reads once the response is written.
package struct ServerRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    let record = RequestRecord()
    /// Whose stories this request may see: the writer its API key names, or the one local
    /// writer when the server has no keys.
    var writer = Writer.local

    /// The writer's own part of the model's caches: a digest, so that neither the writer's name
    /// nor anything derived from a key reaches a file name or a remote model server.
    var cachePartition: String { Writer.cachePartition(of: writer) }

    /// Whether the connection came in on a loopback address: from this machine, where any web page
    /// a writer visits can send requests (see `AllowedHostsMiddleware`).
    let arrivedOnLoopback: Bool

    package init(source: Source) {
        coreContext = .init(source: source)
        arrivedOnLoopback = Self.isLoopback(source.channel.localAddress)
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        switch address {
        case .v4(let address): address.host.hasPrefix("127.")
        case .v6(let address): address.host == "::1" || address.host.hasPrefix("::ffff:127.")
        default: false
        }
    }
}

/// The owner of a library's stories.
enum Writer {
    /// The one writer of a server without API keys.
    static let local = "local"

    static func cachePartition(of writer: String) -> String {
        String(ContentHash.hex("cache-partition\u{0}" + writer).prefix(32))
    }
}
