import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServerSentEventDecoding
import Testing
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM
import WriterAssistantTestSupport

/// Every operation's endpoints over real sockets, with a scripted model answering in each
/// operation's shape: the same contract as rater feedback, in each operation's own words.
@Suite struct OperationEndpointTests {
    static let operations: [any WritingOperation] = [
        OperationSamples.characterFeedback, OperationSamples.editorReview, OperationSamples.generateChapter,
        OperationSamples.modifyChapter, OperationSamples.fleshOut, OperationSamples.generateCharacterDetails,
        OperationSamples.regenerateBio, OperationSamples.generateChapterOutlines, OperationSamples.chat,
    ]

    static func scripted<Operation: WritingOperation>(_: Operation.Type, pieceDelay: Duration = .zero) -> ScriptedModel {
        ScriptedModel(script: .init(answer: OperationSamples.answer(to: Operation.operationName).chunked(into: 9), pieceDelay: pieceDelay))
    }

    @Test(arguments: 0..<operations.count)
    func eachOperationStreamsItsPhasesTokensAndResultAndMatchesTheDocument(_ index: Int) async throws {
        try await Self.streamsItsPhasesTokensAndResult(Self.operations[index])
    }

    static func streamsItsPhasesTokensAndResult<Operation: WritingOperation>(_ request: Operation) async throws {
        let model = scripted(Operation.self)
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            let (response, events) = try await server.stream(request, query: "?tokens=true")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "content-type") == "text/event-stream; charset=utf-8")
            let statuses = events.compactMap { event -> (FeedbackPhase, String, Int)? in
                if case .status(let phase, let message, let progress, _) = event.event { (phase, message, progress) } else { nil }
            }
            #expect(statuses.map(\.0) == FeedbackPhase.allCases)
            #expect(statuses.map(\.1) == FeedbackPhase.allCases.map(Operation.message(for:)))
            #expect(statuses.map(\.2) == [20, 50, 75, 90, 100])
            let tokens = events.compactMap { if case .token(let text) = $0.event { text } else { nil } }.joined()
            #expect(tokens == OperationSamples.answer(to: Operation.operationName))
            guard case .result(let streamed) = events.last?.event else { Issue.record("no result: \(events.map(\.event))"); return }

            let synchronous = try await server.post("/api/v1/\(Operation.operationName)", json: request)
            #expect(synchronous.status == .ok)
            let result = try await synchronous.decode(Operation.Result.self)
            #expect(result.contextMetadata.tokens == streamed.contextMetadata.tokens)
            #expect(result.contextMetadata.model == "scripted-model")

            // The prompt asked for this operation's shape: a grammar for structured answers only.
            let constraints = model.observed.constraints
            #expect(constraints.count == 2)
            #expect(constraints.allSatisfy { ($0 == nil) == (request.answerPlan(.init()).constraint == nil) })

            let document = try await OpenAPIConformanceTests.document(server)
            let body = try JSONEncoder().encode(request)
            let path = "/api/v1/\(Operation.operationName)"
            try OpenAPIConformanceTests.check(try await OpenAPIConformanceTests.send(server, .POST, path, body: body), in: document)
            try OpenAPIConformanceTests.check(
                try await OpenAPIConformanceTests.send(server, .POST, path + "/stream?tokens=true", body: body), in: document)
        }
    }

    @Test(arguments: 0..<operations.count)
    func aFailingModelEndsEachOperationWithItsErrorCode(_ index: Int) async throws {
        try await Self.failsWithItsErrorCode(Self.operations[index])
    }

    static func failsWithItsErrorCode<Operation: WritingOperation>(_ request: Operation) async throws {
        let failing = ScriptedModel(script: .init(answer: ["{", "x"], failure: .evaluationFailed(status: -3), failAfterPieces: 1))
        try await TestServer.with(host: ModelHost(.ready(failing))) { server in
            let (_, events) = try await server.stream(request)
            guard case .error(let message, let code) = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
            #expect(code == .generationFailed)
            #expect(message.contains(Operation.answerName))
            let synchronous = try await server.post("/api/v1/\(Operation.operationName)", json: request)
            #expect(synchronous.status == .internalServerError)
            let error = try await synchronous.decode(ErrorResponse.self)
            #expect(error.errorCode == .generationFailed)
            let document = try await OpenAPIConformanceTests.document(server)
            try OpenAPIConformanceTests.check(
                try await OpenAPIConformanceTests.send(
                    server, .POST, "/api/v1/\(Operation.operationName)/stream", body: try JSONEncoder().encode(request)),
                in: document)
        }
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let synchronous = try await server.post("/api/v1/\(Operation.operationName)", json: request)
            #expect(synchronous.status == .serviceUnavailable)
        }
    }

    /// Refusals come before any work, as 422s located at the field, on both endpoints.
    @Test(arguments: [
        ("character-feedback", #"{"characterName": "Zed", "plotPoint": "x", "structured_context": {"characters": [{"name": "Ari"}]}}"#, "characterName"),
        ("character-feedback", #"{"plotPoint": "x"}"#, "characterName"),
        ("editor-review", #"{"chapterToReview": "   "}"#, "chapterToReview"),
        ("generate-chapter", #"{"plotPoint": "x", "targetWords": 9000}"#, "targetWords"),
        ("modify-chapter", #"{"currentChapter": "x"}"#, "userRequest"),
        ("flesh-out", #"{"textToFleshOut": ""}"#, "textToFleshOut"),
        ("generate-character-details", #"{"basicBio": 4}"#, "basicBio"),
        ("regenerate-bio", #"{"character": {"name": "Ari"}, "words": 5}"#, "words"),
        ("regenerate-bio", #"{"words": 40}"#, "character"),
        ("generate-chapter-outlines", #"{"chapterCount": 3, "structured_context": {"plotContext": {"plotOutline": "- a\n- b"}}}"#, "chapterCount"),
    ])
    func invalidRequestsAreRefusedAt422(_ operation: String, body: String, field: String) async throws {
        let model = ScriptedModel(script: .wellFormed())
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            for path in ["/api/v1/\(operation)", "/api/v1/\(operation)/stream"] {
                let response = try await server.post(path, raw: body)
                #expect(response.status .code == 422, "\(path)")
                let detail = try await response.decode(ValidationErrorResponse.self).detail
                #expect(detail.first?.loc == ["body", .key(field)], "\(path): \(detail)")
            }
            #expect(model.observed.started == 0)
        }
    }

    @Test func aTooLargeBodyIsRefusedAt413ByEveryOperation() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured), configuration: ServerConfiguration(maxBodySize: 1024)) { server in
            for operation in WritingOperations.all {
                let body = #"{"plotPoint": ""# + String(repeating: "a", count: 2_000) + #""}"#
                let response = try await server.post("/api/v1/\(operation.operationName)/stream", raw: body)
                #expect(response.status.code == 413, "\(operation.operationName)")
            }
        }
    }

    /// A writer who cancels a chapter stops the model writing it.
    @Test func leavingAChapterStreamCancelsItsGeneration() async throws {
        let model = Self.scripted(GenerateChapterRequest.self, pieceDelay: .milliseconds(200))
        try await TestServer.with(host: ModelHost(.ready(model))) { server in
            let leaving = Task {
                let response = try await server.post("/api/v1/generate-chapter/stream?tokens=true", json: OperationSamples.generateChapter)
                var decoder = ServerSentEventDecoder()
                for try await chunk in response.body {
                    if decoder.feed(chunk.readableBytesView).contains(where: { $0.data.contains(#""type":"token""#) }) { return }
                }
            }
            try await leaving.value
            let left = ContinuousClock.now
            while model.observed.cancelled == 0, ContinuousClock.now - left < .seconds(5) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(model.observed.cancelled == 1)
            #expect(model.observed.finished == 0)
        }
    }

    @Test func theRootListsEveryOperationsEndpoints() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let info = try await server.get("/", headers: [("Accept", "application/json")])
            let endpoints = try #require(try JSONSerialization.jsonObject(with: try await info.bodyData()) as? [String: Any])["endpoints"]
            for operation in WritingOperations.all {
                #expect((endpoints as? [String])?.contains("POST /api/v1/\(operation.operationName)/stream") == true)
            }
        }
    }

    /// The Swift client's typed calls and event streams reach every operation.
    @Test func theClientHasATypedCallForEveryOperation() async throws {
        for operation in Self.operations {
            try await Self.clientRoundTrip(operation)
        }
    }

    static func clientRoundTrip<Operation: WritingOperation>(_ request: Operation) async throws {
        try await TestServer.with(host: ModelHost(.ready(scripted(Operation.self)))) { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            let synchronous = try await client.perform(request)
            var phases: [FeedbackPhase] = []
            let streamed = try await client.events(request, includeTokens: true).result { event in
                if case .status(let phase, _, _, _) = event { phases.append(phase) }
            }
            #expect(phases == FeedbackPhase.allCases)
            #expect(synchronous.contextMetadata.tokens == streamed.contextMetadata.tokens)
        }
    }

    @Test func typedCallsDecodeTheirResults() async throws {
        try await TestServer.with(host: ModelHost(.ready(Self.scripted(EditorReviewRequest.self)))) { server in
            let review = try await WriterAssistantClient(baseURL: server.baseURL).editorReview(OperationSamples.editorReview)
            #expect(review.suggestions.first?.priority == .high)
        }
        try await TestServer.with(host: ModelHost(.ready(Self.scripted(GenerateCharacterDetailsRequest.self)))) { server in
            let sheet = try await WriterAssistantClient(baseURL: server.baseURL).generateCharacterDetails(OperationSamples.generateCharacterDetails)
            #expect(sheet.name == "Bram")
        }
        _ = try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            await #expect(throws: WriterAssistantClientError.self) {
                _ = try await WriterAssistantClient(baseURL: server.baseURL).generateChapter(OperationSamples.generateChapter)
            }
        }
    }

    /// Every way the model side can fail, for every operation: each answer (a status of its own,
    /// or an error event) is one the document describes, and the stream always ends.
    @Test(arguments: 0..<operations.count)
    func everyFailureOfEveryOperationMatchesTheDocument(_ index: Int) async throws {
        for failure in OpenAPIConformanceTests.failures {
            try await Self.failureMatchesTheDocument(Self.operations[index], failure)
        }
    }

    static func failureMatchesTheDocument<Operation: WritingOperation>(
        _ request: Operation, _ failure: OpenAPIConformanceTests.Failure
    ) async throws {
        let configuration = ServerConfiguration(pipeline: .init(
            sampling: SamplingParameters(maxTokens: 90), chapterMaxTokens: 90, generationTimeout: failure.timeout))
        try await TestServer.with(host: failure.host(), configuration: configuration) { server in
            let document = try await OpenAPIConformanceTests.document(server)
            let body = try JSONEncoder().encode(request)
            let path = "/api/v1/\(Operation.operationName)"
            try OpenAPIConformanceTests.check(try await OpenAPIConformanceTests.send(server, .POST, path, body: body), in: document)
            let (_, events) = try await server.stream(request)
            #expect(events.last?.event.isTerminal == true)
            try OpenAPIConformanceTests.check(try await OpenAPIConformanceTests.send(server, .POST, path + "/stream", body: body), in: document)
        }
    }

    /// The document's example streams say what the server says.
    @Test func theDocumentsExampleStreamsUseEachOperationsMessages() async throws {
        try await TestServer.with(host: ModelHost(.notConfigured)) { server in
            let document = try await OpenAPIConformanceTests.document(server)
            for operation in WritingOperations.all {
                let response = try #require(document.response("POST", "/api/v1/\(operation.operationName)/stream", status: 200))
                let media = try #require((response["content"] as? [String: [String: Any]])?["text/event-stream"])
                let example = try #require(media["example"] as? String)
                for phase in FeedbackPhase.allCases {
                    // The messages hold no character JSON escapes.
                    let message = #""message":""# + operation.message(for: phase) + #"","phase":""# + phase.rawValue + "\""
                    #expect(example.contains(message), "\(operation.operationName): \(message)")
                }
            }
        }
    }
}
