public import Hummingbird

/// The server's request context: Hummingbird's own, plus the record of what the request did,
/// which handlers fill in and the observation middleware reads once the response is written.
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let record = RequestRecord()
    /// Whose stories this request may see: the writer its API key names, or the one local
    /// writer when the server has no keys.
    var writer = Writer.local

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}

/// The owner of a library's stories.
enum Writer {
    /// The one writer of a server without API keys.
    static let local = "local"
}
