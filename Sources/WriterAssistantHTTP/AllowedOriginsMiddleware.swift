import Hummingbird

/// CORS for a configured list of browser origins (`*` allows any).
///
/// Hummingbird's `CORSMiddleware` answers preflights and adds the headers; this only decides
/// which requests it applies to, since its own allow-list takes origins as variadic arguments.
struct AllowedOriginsMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: Set<String>
    private let cors = CORSMiddleware<Context>(
        allowOrigin: .originBased,
        allowHeaders: [.accept, .contentType, .origin, .authorization, .cacheControl, .ifMatch],
        allowMethods: [.get, .post, .put, .delete, .head, .options],
        // The library's answers name versions and new stories in these.
        exposedHeaders: ["ETag", "Location", "Content-Disposition", "X-Request-Id"],
        maxAge: .seconds(600))

    init(origins: [String]) {
        allowed = Set(origins)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowed.contains("*") || allowed.contains(origin) else {
            return try await next(request, context)
        }
        return try await cors.handle(request, context: context, next: next)
    }
}
