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

/// Asking the archive over HTTP: each writer's questions read their own stories only, citations
/// are checked against them, and both endpoints, the preview and the search answer as the
/// document says.
@Suite struct ArchiveEndpointTests {
    static let json = [("Content-Type", "application/json")]
    static let anaKey = [("Authorization", "Bearer ana-key-123")]
    static let benKey = [("Authorization", "Bearer ben-key-456")]
    static let bensStory = #"""
        {"title": "Winter Mill",
         "structured_context": {"previousChapters": [
           {"number": 1, "title": "Ice", "content": "The weir froze over in the winter of the flood, and the mill stood still."}]}}
        """#
    /// What the scripted model answers: a sentence of Ana's second chapter (without its full stop,
    /// as a model quoting without the grammar may), and one nobody wrote.
    static let answer = #"{"citations": ["Ivo drowned below the weir, and nobody spoke of it", "Ivo swam home"], "answer": "He drowned below the weir."}"#

    static func withArchive(_ body: @Sendable (TestServer, StoredStory) async throws -> Void) async throws {
        let model = ScriptedModel(script: .init(answer: answer.chunked(into: 9)))
        let configuration = ServerConfiguration(apiKeys: ["ana-key-123", "ben-key-456"], writerNames: ["ana-key-123": "ana"])
        try await TestServer.withLibrary(host: ModelHost(.ready(model)), configuration: configuration) { server in
            let story = try await server.send(.POST, "/api/v1/stories", json: LibraryEndpointTests.story, headers: anaKey)
            #expect(story.status == .created)
            #expect(try await server.send(.POST, "/api/v1/stories", json: bensStory, headers: benKey).status == .created)
            try await body(server, try await story.decode(StoredStory.self))
        }
    }

    @Test func aQuestionIsAnsweredFromTheWritersOwnStoriesWithCheckedCitations() async throws {
        try await Self.withArchive { server, story in
            let document = try await OpenAPIConformanceTests.document(server)
            let question = Data(#"{"question": "How did Ivo die at the weir?"}"#.utf8)
            let asked = try await OpenAPIConformanceTests.send(server, .POST, "/api/v1/archive/ask", body: question, headers: Self.json + Self.anaKey)
            #expect(asked.status == 200, "\(String(decoding: asked.body, as: UTF8.self))")
            try OpenAPIConformanceTests.check(asked, in: document)
            let result = try JSONDecoder().decode(ArchiveAnswer.self, from: asked.body)
            #expect(result.citations == [ArchiveCitation(
                storyId: story.id, title: "The Salt Road", chapter: 2, paragraph: 1, text: "Ivo drowned below the weir, and nobody spoke of it.")])
            #expect(result.unverifiedCitations == 1)
            #expect(result.passagesRead >= 1)

            // Ben's library has a weir too, but not Ana's sentence: nothing of hers is read or cited.
            let preview = try await server.send(
                .POST, "/api/v1/archive/ask/preview", json: #"{"question": "How did Ivo die at the weir?"}"#, headers: Self.benKey)
            let prompt = try await preview.decode(PromptPreview.self).sections.compactMap(\.text).joined(separator: "\n")
            #expect(prompt.contains("The weir froze over"))
            #expect(!prompt.contains("Ivo drowned"))
            let bens = try await server.send(.POST, "/api/v1/archive/ask", json: #"{"question": "How did Ivo die at the weir?"}"#, headers: Self.benKey)
            let bensAnswer = try await bens.decode(ArchiveAnswer.self)
            #expect(bensAnswer.citations.isEmpty)
            #expect(bensAnswer.unverifiedCitations == 2)

            // A story named in the body changes nothing: the archive is the asking writer's.
            let named = #"{"question": "How did Ivo die?", "storyId": "\#(story.id)"}"#
            let redirected = try await server.send(.POST, "/api/v1/archive/ask/preview", json: named, headers: Self.benKey)
            #expect(!(try await redirected.decode(PromptPreview.self).sections.compactMap(\.text).joined().contains("Ivo drowned")))

            let stream = try await OpenAPIConformanceTests.send(server, .POST, "/api/v1/archive/ask/stream?tokens=true", body: question, headers: Self.json + Self.anaKey)
            #expect(stream.status == 200)
            try OpenAPIConformanceTests.check(stream, in: document)
            var decoder = ServerSentEventDecoder()
            let events = try decoder.feed(stream.body).map { try JSONDecoder().decode(OperationEvent<ArchiveAnswer>.self, from: Data($0.data.utf8)) }
            #expect(events.compactMap(\.phase) == FeedbackPhase.allCases)
            guard case .result(let streamed) = events.last else { Issue.record("no result: \(events.suffix(2))"); return }
            #expect(streamed.citations == result.citations)
        }
    }

    @Test func theSearchAnswersInItsBodyAndEachWriterSeesTheirOwn() async throws {
        try await Self.withArchive { server, story in
            let document = try await OpenAPIConformanceTests.document(server)
            let body = Data(#"{"query": "drowned weir", "limit": 5}"#.utf8)
            let found = try await OpenAPIConformanceTests.send(server, .POST, "/api/v1/archive/search", body: body, headers: Self.json + Self.anaKey)
            #expect(found.status == 200)
            try OpenAPIConformanceTests.check(found, in: document)
            let hits = try JSONDecoder().decode(LibrarySearchResults.self, from: found.body).hits
            #expect(hits.map(\.storyId) == [story.id])
            let bens = try await server.send(.POST, "/api/v1/archive/search", json: #"{"query": "drowned weir"}"#, headers: Self.benKey)
            #expect(try await bens.decode(LibrarySearchResults.self).hits.isEmpty)
            let refused = try await OpenAPIConformanceTests.send(
                server, .POST, "/api/v1/archive/search", body: Data(#"{"query": "weir", "limit": 0}"#.utf8), headers: Self.json + Self.anaKey)
            #expect(refused.status == 422)
            try OpenAPIConformanceTests.check(refused, in: document)
        }
    }

    @Test func refusalsComeBeforeAnyWork() async throws {
        try await Self.withArchive { server, _ in
            let document = try await OpenAPIConformanceTests.document(server)
            let question = Data(#"{"question": "Why?"}"#.utf8)
            for path in ["/api/v1/archive/ask", "/api/v1/archive/ask/stream", "/api/v1/archive/search"] {
                let body = path.hasSuffix("search") ? Data(#"{"query": "weir"}"#.utf8) : question
                let anonymous = try await OpenAPIConformanceTests.send(server, .POST, path, body: body, headers: Self.json)
                #expect(anonymous.status == 401, "\(path)")
                // Another site's page cannot ask about the writer's stories, nor time the answer.
                let crossSite = try await OpenAPIConformanceTests.send(
                    server, .POST, path, body: body, headers: Self.json + Self.anaKey + [("Sec-Fetch-Site", "cross-site")])
                #expect(crossSite.status == 403, "\(path)")
                try OpenAPIConformanceTests.check(crossSite, in: document)
            }
            let blank = try await OpenAPIConformanceTests.send(
                server, .POST, "/api/v1/archive/ask", body: Data(#"{"question": " "}"#.utf8), headers: Self.json + Self.anaKey)
            #expect(blank.status == 422)
            try OpenAPIConformanceTests.check(blank, in: document)
        }
    }

    /// Asks a library holding one story a question and a follow-up on a server with a real model
    /// (in process or a model server): every phase, and citations found word for word in the
    /// story's chapters. The words of the answer are the model's and are not asserted.
    static func askTheArchive(on server: TestServer) async throws {
        let client = WriterAssistantClient(baseURL: server.baseURL)
        let story = try await client.createStory(try JSONDecoder().decode(StoryDocument.self, from: Data(LibraryEndpointTests.story.utf8)))
        let chapters = Dictionary(uniqueKeysWithValues: story.document.structuredContext.numberedChapters.map { ($0.number, $0.chapter.content) })
        let question = ArchiveQuestionRequest(question: "What happened to Ivo at the weir?")
        let (response, events) = try await server.stream(question, query: "?tokens=true")
        #expect(response.status == .ok)
        #expect(events.compactMap(\.event.phase) == FeedbackPhase.allCases)
        guard case .result(let answer) = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
        #expect(!answer.answer.isEmpty)
        #expect(answer.passagesRead >= 1)
        for citation in answer.citations {
            #expect(citation.storyId == story.id)
            #expect(Self.paragraph(citation.paragraph, of: chapters[citation.chapter] ?? "").contains(citation.text), "\(citation)")
        }
        let followUp = ArchiveQuestionRequest(question: "Who spoke of it?", messages: [
            .init(role: .user, content: question.question), .init(role: .assistant, content: answer.answer),
        ])
        let second = try await client.askArchive(followUp)
        #expect(!second.answer.isEmpty)
        for citation in second.citations {
            #expect(Self.paragraph(citation.paragraph, of: chapters[citation.chapter] ?? "").contains(citation.text), "\(citation)")
        }
    }

    /// Paragraph `number` of `text` as a writer counts them (blocks between blank lines, from 1).
    static func paragraph(_ number: Int, of text: String) -> String {
        let blocks = text.split(separator: "\n", omittingEmptySubsequences: false)
            .split { $0.allSatisfy(\.isWhitespace) }.map { $0.joined(separator: "\n") }
        return blocks.indices.contains(number - 1) ? blocks[number - 1] : ""
    }
}
