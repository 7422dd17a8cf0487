import Hummingbird
import WriterAssistantAPI

/// Refuses requests addressed to a host name the server does not answer to.
///
/// A web page on a domain that re-resolves to 127.0.0.1 (DNS rebinding) is same-origin for the
/// browser, so neither CORS nor the JSON content type stops it; the `Host` it sends still names
/// its own domain. A server listening on loopback therefore answers only to loopback names; one
/// listening on every address (`0.0.0.0`) with no names given answers any name from the network,
/// but still only loopback names on a connection from this machine.
struct AllowedHostsMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    /// Lower-cased host names without port; empty allows any.
    let allowed: Set<String>
    /// Whether an empty `allowed` still holds connections from this machine to loopback names:
    /// true unless the operator named the hosts themselves.
    let guardsLoopback: Bool

    init(hosts: [String], guardsLoopback: Bool = false) {
        allowed = Set(hosts.map { $0.lowercased() })
        self.guardsLoopback = guardsLoopback
    }

    /// The names a server bound to `host` answers to by default: loopback names when it listens on
    /// loopback, any name otherwise (a proxy or a team network decides the names).
    static func defaultHosts(listeningOn host: String) -> [String] {
        LoopbackHost.contains(host) ? LoopbackHost.names : []
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let names = allowed.isEmpty && guardsLoopback && context.arrivedOnLoopback ? Set(LoopbackHost.names) : allowed
        guard !names.isEmpty else { return try await next(request, context) }
        let authority = request.head.authority ?? ""
        guard names.contains(Self.hostName(of: authority)) else {
            throw APIError(
                status: .forbidden, code: .hostNotAllowed,
                message: "This server does not answer to the host '\(authority)'. Use one of: "
                    + names.sorted().joined(separator: ", ") + " (or start it with --allowed-hosts).")
        }
        return try await next(request, context)
    }

    /// `name:port`, `[v6]:port` or a bare name, lower-cased, without the port or brackets.
    static func hostName(of authority: String) -> String {
        var host = Substring(authority.lowercased())
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<end])
        }
        if let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        return String(host)
    }
}
