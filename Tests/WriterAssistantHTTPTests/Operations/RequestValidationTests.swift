import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantTestSupport

/// Every kind of bad input gets a clear 4xx on both endpoints, before any stream starts, and the
/// server keeps serving afterwards.
@Suite struct RequestValidationTests {
    static let endpoints = ["/api/v1/rater-feedback", "/api/v1/rater-feedback/stream"]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var body: [UInt8]
        var loc: [LocationComponent]
        var type: String
        var testDescription: String { name }

        init(_ name: String, _ body: String, loc: [LocationComponent], type: String) {
            self.init(name, Array(body.utf8), loc: loc, type: type)
        }

        init(_ name: String, _ body: [UInt8], loc: [LocationComponent], type: String) {
            self.name = name
            self.body = body
            self.loc = loc
            self.type = type
        }
    }

    static let cases: [Case] = [
        Case("malformed JSON", #"{"raterPrompt": "x", "plotPoint": "#, loc: ["body"], type: "json_invalid"),
        Case("empty body", "", loc: ["body"], type: "json_invalid"),
        Case("missing plotPoint", #"{"raterPrompt": "x"}"#, loc: ["body", "plotPoint"], type: "missing"),
        Case("missing raterPrompt", #"{"plotPoint": "x"}"#, loc: ["body", "raterPrompt"], type: "missing"),
        Case("number for a string", #"{"raterPrompt": 5, "plotPoint": "x"}"#, loc: ["body", "raterPrompt"], type: "string_type"),
        Case("null for a string", #"{"raterPrompt": null, "plotPoint": "x"}"#, loc: ["body", "raterPrompt"], type: "string_type"),
        Case("array body", #"["raterPrompt"]"#, loc: ["body"], type: "model_attributes_type"),
        Case("string body", #""hello""#, loc: ["body"], type: "model_attributes_type"),
        Case("blank plotPoint", #"{"raterPrompt": "x", "plotPoint": "  "}"#, loc: ["body", "plotPoint"], type: "string_too_short"),
        Case(
            "wrong type deep in the context",
            #"{"raterPrompt": "x", "plotPoint": "y", "structured_context": {"previousChapters": [{"number": 1, "content": "a"}, {"number": "two", "content": "b"}]}}"#,
            loc: ["body", "structured_context", "previousChapters", 1, "number"], type: "int_type"),
        Case(
            "chapter without content",
            #"{"raterPrompt": "x", "plotPoint": "y", "structured_context": {"previousChapters": [{"number": 1}]}}"#,
            loc: ["body", "structured_context", "previousChapters", 0, "content"], type: "missing"),
        Case("context not an object", #"{"raterPrompt": "x", "plotPoint": "y", "structured_context": []}"#,
             loc: ["body", "structured_context"], type: "dict_type"),
        Case("invalid UTF-8", Array(#"{"raterPrompt": "x", "plotPoint": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
             loc: ["body"], type: "json_invalid"),
        Case("deep nesting", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
             loc: ["body"], type: "json_invalid"),
        Case("deep nesting inside an object",
             #"{"raterPrompt": "x", "plotPoint": "y", "extra": "# + String(repeating: #"{"a":"#, count: 50_000) + "1" + String(repeating: "}", count: 50_001),
             loc: ["body"], type: "json_invalid"),
        // Before: 200,000 one-letter chapters (3 MB) took a minute of CPU to trim, a chapter at a time.
        Case("more chapters than any novel",
             #"{"raterPrompt": "x", "plotPoint": "y", "structured_context": {"previousChapters": ["#
                + Array(repeating: #"{"content": "a"}"#, count: StructuredContext.mostChapters + 1).joined(separator: ",") + "]}}",
             loc: ["body", "structured_context", "previousChapters"], type: "too_long"),
        Case("more characters than any novel",
             #"{"raterPrompt": "x", "plotPoint": "y", "structured_context": {"characters": ["#
                + Array(repeating: #"{"name": "a"}"#, count: StructuredContext.mostCharacters + 1).joined(separator: ",") + "]}}",
             loc: ["body", "structured_context", "characters"], type: "too_long"),
    ]

    /// What a web page can send to another origin without a CORS preflight must not run a
    /// generation; JSON with or without a charset still does.
    @Test(arguments: [
        ("text/plain", 415), ("application/x-www-form-urlencoded", 415), ("multipart/form-data; boundary=x", 415),
        ("", 415), ("application/jsonx", 415), ("application/json", 200), ("application/json; charset=utf-8", 200),
        ("Application/JSON;charset=UTF-8", 200),
    ], endpoints)
    func onlyABodyDeclaredAsJSONRunsAGeneration(_ contentType: (String, Int), endpoint: String) async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            let body = ByteBuffer(string: #"{"raterPrompt": "x", "plotPoint": "y"}"#)
            let headers = contentType.0.isEmpty ? [] : [("Content-Type", contentType.0)]
            let response = try await server.post(endpoint, body: body, headers: headers)
            #expect(response.status.code == contentType.1)
            if contentType.1 == 415 {
                let error = try await response.decode(ErrorResponse.self)
                #expect(error.errorCode == .unsupportedMediaType && error.detail.contains("application/json"))
                #expect(model.observed.started == 0)
            } else {
                _ = try await response.body.collect(upTo: 1 << 20)
                #expect(model.observed.started == 1)
            }
        }
    }

    /// A page whose domain re-resolves to 127.0.0.1 still names its own domain in `Host`: a
    /// server on loopback answers only to loopback names.
    @Test(arguments: [("evil.example", 403), ("evil.example:8000", 403), ("localhost", 200), ("LOCALHOST:9", 200), ("[::1]:80", 200), ("127.0.0.1", 200)])
    func aServerOnLoopbackAnswersOnlyToLoopbackNames(_ host: (String, Int)) async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            let body = ByteBuffer(string: #"{"raterPrompt": "x", "plotPoint": "y"}"#)
            let response = try await server.post(
                "/api/v1/rater-feedback", body: body, headers: [("Content-Type", "application/json"), ("Host", host.0)])
            #expect(response.status.code == host.1)
            if host.1 == 403 {
                #expect(try await response.decode(ErrorResponse.self).errorCode == .hostNotAllowed)
                #expect(model.observed.started == 0)
            }
        }
    }

    @Test(arguments: cases, endpoints)
    func badInputIsA422WithTheFieldNamed(_ input: Case, endpoint: String) async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            let response = try await server.post(endpoint, body: ByteBuffer(bytes: input.body))
            #expect(response.status.code == 422)
            #expect(response.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
            let body = try await response.decode(ValidationErrorResponse.self)
            let issue = try #require(body.detail.first)
            #expect(issue.loc == input.loc)
            #expect(issue.type == input.type)
            #expect(!issue.msg.isEmpty)
            #expect(model.observed.started == 0)

            // Still serving.
            let health = try await server.get("/health")
            #expect(health.status == .ok)
        }
    }

    @Test(arguments: endpoints)
    func unknownFieldsAreIgnored(endpoint: String) async throws {
        let body = #"{"raterPrompt": "x", "plotPoint": "y", "mood": "sunny", "structured_context": {"colour": 3, "characters": [{"name": "Mara", "age": 34, "hat": true}]}}"#
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed())))) { server in
            let response = try await server.post(endpoint, raw: body)
            #expect(response.status == .ok)
        }
    }

    @Test(arguments: endpoints)
    func oversizedBodiesAre413(endpoint: String) async throws {
        let configuration = ServerConfiguration(maxBodySize: 1024)
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed()))), configuration: configuration) { server in
            let padding = String(repeating: "a", count: 4096)
            let response = try await server.post(endpoint, raw: #"{"raterPrompt": "x", "plotPoint": "\#(padding)"}"#)
            #expect(response.status.code == 413)
            let body = try await response.decode(ErrorResponse.self)
            #expect(body.errorCode == .payloadTooLarge)
            #expect(try await server.get("/health").status == .ok)
        }
    }

    @Test func theDefaultLimitAcceptsALongManuscript() async throws {
        let chapters = (1...20).map { (number: Int) in Chapter(number: number, title: "C\(number)", content: String(repeating: "word ", count: 40_000)) }
        var manuscript = minimalRequest
        manuscript.structuredContext = StructuredContext(previousChapters: chapters)
        let request = manuscript
        try await TestServer.with(host: ModelHost(.ready(ScriptedModel(script: .wellFormed())))) { server in
            let response = try await server.post("/api/v1/rater-feedback", json: request)
            #expect(response.status == .ok)
            let result = try await response.decode(RaterFeedbackResult.self)
            #expect(result.contextMetadata.omittedContext?.first == "chapter 1")
        }
    }
}
