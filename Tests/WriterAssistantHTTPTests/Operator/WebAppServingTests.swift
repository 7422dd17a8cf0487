import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantWebApp

/// The web app's files as the server sends them: types, caching, and `/` for browsers.
@Suite struct WebAppServingTests {
    @Test func browsersGetThePageAtTheRootAndOtherClientsGetJSON() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured), configuration: ServerConfiguration(webRoot: WebAppBundle.root)) { server in
            let page = try await server.get("/", headers: [("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")])
            #expect(page.status == .ok)
            #expect(page.headers.first(name: "Content-Type") == "text/html; charset=utf-8")
            #expect(page.headers.first(name: "Vary") == "Accept")
            let html = String(decoding: try await page.bodyData(), as: UTF8.self)
            #expect(html.contains(#"<script type="module" src="/js/app.mjs">"#))

            let json = try await server.get("/", headers: [("Accept", "application/json")])
            #expect(json.headers.first(name: "Content-Type") == "application/json; charset=utf-8")
            #expect(json.headers.first(name: "Vary") == "Accept")
            let info = try JSONSerialization.jsonObject(with: try await json.bodyData()) as? [String: Any]
            #expect(info?["name"] as? String == "Writer Assistant")
        }
    }

    @Test(arguments: [
        ("/js/app.mjs", "text/javascript; charset=utf-8"),
        ("/js/sse.mjs", "text/javascript; charset=utf-8"),
        ("/styles.css", "text/css; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
    ])
    func filesCarryTheirTypeAndRevalidate(path: String, contentType: String) async throws {
        try await TestServer.with(host: ModelHost(.notConfigured), configuration: ServerConfiguration(webRoot: WebAppBundle.root)) { server in
            let response = try await server.get(path)
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type") == contentType)
            #expect(response.headers.first(name: "Cache-Control") == "no-cache")
            let etag = try #require(response.headers.first(name: "ETag"))
            #expect(try await response.bodyData().isEmpty == false)

            let again = try await server.get(path, headers: [("If-None-Match", etag)])
            #expect(again.status == .notModified)
        }
    }

    @Test func everyModuleTheAppImportsIsServed() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured), configuration: ServerConfiguration(webRoot: WebAppBundle.root)) { server in
            var pending = ["/js/app.mjs"]
            var seen: Set<String> = []
            while let path = pending.popLast() {
                guard seen.insert(path).inserted else { continue }
                let response = try await server.get(path)
                #expect(response.status == .ok, "\(path)")
                let source = String(decoding: try await response.bodyData(), as: UTF8.self)
                for match in source.matches(of: /from '\.\/([a-z-]+\.mjs)'/) {
                    pending.append("/js/" + match.output.1)
                }
            }
            #expect(seen.count >= 8)
        }
    }

    /// The HTTP layer carries no web app of its own: without a folder handed to it, the API is
    /// served alone and `/` answers JSON even to a browser.
    /// The page may run only its own files, in no other site's frame, and nothing is sniffed.
    @Test func thePageAndEveryAnswerCarryTheBrowsersProtections() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured), configuration: ServerConfiguration(webRoot: WebAppBundle.root)) { server in
            let page = try await server.get("/", headers: [("Accept", "text/html")])
            let policy = try #require(page.headers.first(name: "Content-Security-Policy"))
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe"))
            #expect(page.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(page.headers.first(name: "X-Frame-Options") == "DENY")
            let refusal = try await server.post("/api/v1/rater-feedback", raw: "{}")
            #expect(refusal.status.code >= 400)
            #expect(refusal.headers.first(name: "X-Content-Type-Options") == "nosniff")
        }
    }

    /// Listening on every address with no names given, the server answers any name from the
    /// network, but a connection from this machine (where a rebinding page's requests come from)
    /// must still name it by a loopback name.
    @Test func onEveryAddressAConnectionFromThisMachineMustUseALoopbackName() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured), configuration: ServerConfiguration(host: "0.0.0.0")) { server in
            let rebound = try RawConnection(port: server.port)
            rebound.sendAll("GET /health HTTP/1.1\r\nHost: stories.example:\(server.port)\r\n\r\n")
            let refusal = await rebound.receive(waiting: .seconds(5))
            #expect(refusal.hasPrefix("HTTP/1.1 403"), "\(refusal)")
            let local = try RawConnection(port: server.port)
            local.sendAll("GET /health HTTP/1.1\r\nHost: localhost:\(server.port)\r\n\r\n")
            #expect(await local.receive(waiting: .seconds(5)).hasPrefix("HTTP/1.1 200"))
        }
        // Names the operator gave hold as given: `*` answers any name, from anywhere.
        try await TestServer.with(host: ModelHost(.notConfigured), configuration: ServerConfiguration(host: "0.0.0.0", allowedHosts: [])) { server in
            let any = try RawConnection(port: server.port)
            any.sendAll("GET /health HTTP/1.1\r\nHost: stories.example\r\n\r\n")
            #expect(await any.receive(waiting: .seconds(5)).hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func withoutAWebRootOnlyTheAPIIsServed() async throws {
        #expect(ServerConfiguration().webRoot == nil)
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let page = try await server.get("/", headers: [("Accept", "text/html")])
            #expect(page.headers.first(name: "Content-Type") == "application/json; charset=utf-8")
            #expect(try await server.get("/js/app.mjs").status == .notFound)
        }
    }

    @Test func pathsOutsideTheAppAreRefused() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured), configuration: ServerConfiguration(webRoot: WebAppBundle.root)) { server in
            let traversal = try await server.get("/js/../../Package.swift").status
            let encodedTraversal = try await server.get("/%2e%2e/Package.swift").status
            let missing = try await server.get("/missing.js").status
            #expect(traversal != .ok)
            #expect(encodedTraversal == .badRequest)
            #expect(missing == .notFound)
        }
    }
}
