import Foundation
import Hummingbird
import Logging

/// Serves a web app's static files from a folder the caller names (the executable hands it the
/// bundled one).
enum WebAppFiles {
    /// Serves the files under `root`. Every response carries an ETag and `no-cache`, so a browser
    /// revalidates each file (a cheap 304) and picks up a new version as soon as the server has one.
    static func addMiddleware<Context: RequestContext>(to router: Router<Context>, root: String, logger: Logger) {
        let textTypes: [(String, MediaType)] = [
            ("html", .textHtml), ("css", .textCss), ("js", .textJavascript), ("mjs", .textJavascript), ("json", .applicationJson),
        ]
        var files = FileMiddleware<Context, LocalFileSystem>(
            root, cacheControl: CacheControl([(MediaType(type: .any), [.noCache])]), logger: logger)
        for (fileExtension, mediaType) in textTypes {
            files = files.withAdditionalMediaType(
                MediaType(type: mediaType.type, subType: mediaType.subType, parameter: ("charset", "utf-8")),
                mappedToFileExtension: fileExtension)
        }
        router.add(middleware: BrowserIndexMiddleware(files: files))
        router.add(middleware: files)
    }
}

/// `GET /` is both the API's JSON description and the web app: a browser, which asks for HTML,
/// gets `index.html`; every other client keeps getting JSON.
struct BrowserIndexMiddleware<Context: RequestContext>: RouterMiddleware {
    let files: FileMiddleware<Context, LocalFileSystem>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/", request.method == .get || request.method == .head else {
            return try await next(request, context)
        }
        var response: Response
        if Self.prefersHTML(request.headers[.accept]) {
            // Routes are matched before middleware runs, so the index is fetched from the file
            // middleware directly rather than by rewriting the path for the router.
            var head = request.head
            head.path = "/index.html"
            response = try await files.handle(Request(head: head, body: request.body), context: context) { _, _ in
                throw HTTPError(.notFound)
            }
        } else {
            response = try await next(request, context)
        }
        response.headers[.vary] = "Accept"
        return response
    }

    static func prefersHTML(_ accept: String?) -> Bool {
        accept?.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("text/html") } ?? false
    }
}
