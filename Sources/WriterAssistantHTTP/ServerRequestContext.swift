public import Hummingbird

/// The server's request context: Hummingbird's own, plus the record of what the request did,
/// which handlers fill in and the observation middleware reads once the response is written.
public struct ServerRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    let record = RequestRecord()

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
