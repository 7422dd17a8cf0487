import HTTPTypes
import Hummingbird
import WriterAssistantAPI

/// Keeps other sites' pages out of the library. Any page a writer visits can send requests to a
/// server on their machine; a browser marks those (`Sec-Fetch-Site: cross-site`, and an `Origin`
/// naming the page's site), and this refuses them before any work, so that a page can neither
/// change stories with a plain form (restoring a version takes no body) nor time a search to learn
/// what the stories hold. Same-site pages (the web app), allowed origins (`--allowed-origins`) and
/// clients that are not browsers pass.
struct CrossSiteGuard<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>

    init(allowedOrigins: [String]) {
        self.allowedOrigins = Set(allowedOrigins)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard isAllowed(request) else {
            throw APIError(
                status: .forbidden, code: .originNotAllowed,
                message: "The library answers only this server's own pages, its allowed origins (--allowed-origins) and clients that are not browsers.")
        }
        return try await next(request, context)
    }

    private func isAllowed(_ request: Request) -> Bool {
        let origin = request.headers[.origin]
        if let origin, allowedOrigins.contains("*") || allowedOrigins.contains(origin) { return true }
        if let name = fetchSite, let site = request.headers[name] { return site != "cross-site" }
        // A browser too old to say where the request comes from still sends Origin on anything
        // but a plain GET: it must name this server.
        guard let origin, origin != "null" else { return origin == nil }
        let host = origin.split(separator: "://", maxSplits: 1).last.map(String.init)
        return host != nil && host == request.head.authority
    }

}

private let fetchSite = HTTPField.Name("Sec-Fetch-Site")
