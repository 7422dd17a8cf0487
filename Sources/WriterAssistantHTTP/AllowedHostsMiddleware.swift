import Hummingbird
import WriterAssistantAPI

/// Refuses requests addressed to a host name the server does not answer to.
///
/// A web page on a domain that re-resolves to 127.0.0.1 (DNS rebinding) is same-origin for the
/// browser, so neither CORS nor the JSON content type stops it; the `Host` it sends still names
/// its own domain. A server listening on loopback therefore answers only to loopback names.
struct AllowedHostsMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Lower-cased host names without port; empty allows any.
    let allowed: Set<String>

    init(hosts: [String]) {
        allowed = Set(hosts.map { $0.lowercased() })
    }

    /// The names a server bound to `host` answers to by default: loopback names when it listens on
    /// loopback, any name otherwise (a proxy or a team network decides the names).
    static func defaultHosts(listeningOn host: String) -> [String] {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()) ? ["127.0.0.1", "localhost", "::1"] : []
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !allowed.isEmpty else { return try await next(request, context) }
        let authority = request.head.authority ?? ""
        guard allowed.contains(Self.hostName(of: authority)) else {
            throw APIError(
                status: .forbidden, code: .hostNotAllowed,
                message: "This server does not answer to the host '\(authority)'. Use one of: "
                    + allowed.sorted().joined(separator: ", ") + " (or start it with --allowed-hosts).")
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
