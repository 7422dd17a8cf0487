import Hummingbird
import WriterAssistantAPI
import WriterAssistantLibrary

/// With API keys configured, the API and the metrics answer only requests that carry one as
/// `Authorization: Bearer KEY`. The health check, the API description and the web app's files
/// stay open: monitors need the first, and the web app must load to be given a key.
///
/// Each key is a writer: the one `names` gives it, else one named after a hash of the key, so
/// that the library can tell writers apart without keeping their keys.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = ServerRequestContext
    private let keys: [[UInt8]]
    private let writers: [String]

    /// Empty `keys` leaves every route open.
    init(keys: [String], names: [String: String] = [:]) {
        self.keys = keys.map { Array($0.utf8) }
        writers = keys.map { names[$0] ?? Self.anonymousWriter($0) }
    }

    static func anonymousWriter(_ key: String) -> String {
        "key-" + ContentHash.hex(key).prefix(16)
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
        guard let presented = Self.bearerToken(request.headers[.authorization]), let index = Self.match(keys, presented) else {
            throw APIError(
                status: .unauthorized, code: .unauthorized,
                message: "This server needs an API key: send it as 'Authorization: Bearer KEY'.",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        var context = context
        context.writer = writers[index]
        return try await next(request, context)
    }

    private static func bearerToken(_ header: String?) -> [UInt8]? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return Array(header.dropFirst(7).trimmingPrefix(while: { $0 == " " }).utf8)
    }

    /// The matching key's place; checks every key, without stopping at the first that matches.
    private static func match(_ keys: [[UInt8]], _ presented: [UInt8]) -> Int? {
        var found: Int?
        for (index, key) in keys.enumerated() where same(key, presented) && found == nil { found = index }
        return found
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
