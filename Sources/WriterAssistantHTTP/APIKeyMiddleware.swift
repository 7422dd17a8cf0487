import Hummingbird
import WriterAssistantAPI

/// With API keys configured, the API and the metrics answer only requests that carry one as
/// `Authorization: Bearer KEY`. The health check, the API description and the web app's files
/// stay open: monitors need the first, and the web app must load to be given a key.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    private let keys: [[UInt8]]

    /// Empty `keys` leaves every route open.
    init(keys: [String]) {
        self.keys = keys.map { Array($0.utf8) }
    }

    /// Routes anyone may use. Every other route needs a key; requests that match no route (the web
    /// app's files, or a 404) need none.
    static var openRoutes: Set<String> { ["/", "/health", "/api/v1/openapi.json"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The route the router matched, not the path as sent: `//metrics` or `/metrics/` reach the
        // same handler as `/metrics` and must need the same key.
        guard !keys.isEmpty, request.method != .options, let route = context.endpointPath, !Self.openRoutes.contains(route) else {
            return try await next(request, context)
        }
        guard let presented = Self.bearerToken(request.headers[.authorization]), Self.matchesAny(keys, presented) else {
            throw APIError(
                status: .unauthorized, code: .unauthorized,
                message: "This server needs an API key: send it as 'Authorization: Bearer KEY'.",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    private static func bearerToken(_ header: String?) -> [UInt8]? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return Array(header.dropFirst(7).trimmingPrefix(while: { $0 == " " }).utf8)
    }

    /// Checks every key, without stopping at the first that matches.
    private static func matchesAny(_ keys: [[UInt8]], _ presented: [UInt8]) -> Bool {
        keys.reduce(false) { found, key in same(key, presented) || found }
    }

    /// Compares in time that depends on the lengths only, so response times do not reveal how
    /// much of a guessed key was right.
    private static func same(_ key: [UInt8], _ presented: [UInt8]) -> Bool {
        guard key.count == presented.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(key, presented) { difference |= a ^ b }
        return difference == 0
    }
}
