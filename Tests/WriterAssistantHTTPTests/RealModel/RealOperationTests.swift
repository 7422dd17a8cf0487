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
import LlamaEngine
import MeasurementSupport
import WriterAssistantTestSupport

/// Every operation end to end with the real default model: real sockets, the grammar in the real
/// sampler, answers that match the API document. Greedy, and never asserting on the words.
@Suite(.serialized) struct RealOperationTests {
    static func withRealServer<T: Sendable>(
        generationTimeout: Duration = .seconds(300), _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let pipeline = OperationPipeline.Configuration(
            sampling: SamplingParameters(temperature: 0, maxTokens: 220), chapterMaxTokens: 160,
            generationTimeout: generationTimeout)
        return try await TestServer.with(host: host, configuration: ServerConfiguration(pipeline: pipeline), body)
    }

    @Test(arguments: 0..<OperationEndpointTests.operations.count)
    func bothEndpointsAnswerInTheDocumentsShape(_ index: Int) async throws {
        try await Self.answersInTheDocumentsShape(OperationEndpointTests.operations[index])
    }

    static func answersInTheDocumentsShape<Operation: WritingOperation>(_ request: Operation) async throws {
        try await withRealServer { server in
            let document = try await OpenAPIConformanceTests.document(server)
            let body = try JSONEncoder().encode(request)
            let path = "/api/v1/\(Operation.operationName)"

            let stream = try await OpenAPIConformanceTests.send(server, .POST, path + "/stream?tokens=true", body: body)
            #expect(stream.status == 200)
            try OpenAPIConformanceTests.check(stream, in: document)
            var decoder = ServerSentEventDecoder()
            let events = try decoder.feed(stream.body).map {
                try JSONDecoder().decode(OperationEvent<Operation.Result>.self, from: Data($0.data.utf8))
            }
            #expect(events.compactMap(\.phase) == FeedbackPhase.allCases, "\(events)")
            let tokens = events.compactMap { if case .token(let text) = $0 { text } else { nil } }
            #expect(tokens.count > 3)
            guard case .result(let result) = events.last else { Issue.record("no result: \(events.suffix(2))"); return }
            #expect(result.contextMetadata.model == "SmolLM2-135M-Instruct.Q4_1.gguf")
            #expect((result.contextMetadata.completionTokens ?? 0) > 3)

            let synchronous = try await OpenAPIConformanceTests.send(server, .POST, path, body: body)
            #expect(synchronous.status == 200, "\(String(decoding: synchronous.body, as: UTF8.self))")
            try OpenAPIConformanceTests.check(synchronous, in: document)
            let again = try JSONDecoder().decode(Operation.Result.self, from: synchronous.body)
            // The story was read once: the second request found it cached.
            #expect((again.contextMetadata.cachedTokens ?? 0) > 100)
        }
    }

    /// Each operation on a story read once reuses it: the story comes first in every prompt.
    @Test func operationsOnOneStoryShareItsCachedPrefix() async throws {
        try await Self.withRealServer { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            _ = try await client.raterFeedback(OperationSamples.raterFeedback)
            let review = try await client.editorReview(OperationSamples.editorReview)
            let sheet = try await client.generateCharacterDetails(OperationSamples.generateCharacterDetails)
            #expect((review.contextMetadata.cachedTokens ?? 0) > 100)
            #expect((sheet.contextMetadata.cachedTokens ?? 0) > 100)
        }
    }

    /// With the real model, greedy, on a stored story: a chat's second turn reads the story from
    /// the cache (only the conversation is new), and the conversation is kept with the story,
    /// in the first person for a character.
    @Test func aChatsSecondTurnReusesTheStoryAndIsKeptWithIt() async throws {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let pipeline = OperationPipeline.Configuration(sampling: SamplingParameters(temperature: 0, maxTokens: 120))
        try await TestServer.withLibrary(host: host, configuration: ServerConfiguration(pipeline: pipeline)) { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            let context = try JSONDecoder().decode(StructuredContext.self, from: Data(contentsOf: URL(fileURLWithPath: CLITests.example("story.json"))))
            let story = try await client.createStory(StoryDocument(title: "The Glass Council", structuredContext: context))
            let reference = StoryReference(storyId: story.id)

            func turn(_ messages: [ConversationMessage], _ conversation: String?) async throws -> (ChatReply, Duration) {
                let request = ChatRequest(agent: .character, characterName: "Ari", messages: messages, conversationId: conversation)
                let started = ContinuousClock.now
                var firstToken: Duration?
                let reply = try await client.events(request, on: reference, includeTokens: true).result { event in
                    if case .token = event, firstToken == nil { firstToken = .now - started }
                }
                return (reply, try #require(firstToken))
            }
            let question = ConversationMessage(role: .user, content: "What did the smoke of the letter sound like?")
            let (first, firstWait) = try await turn([question], nil)
            let conversation = try #require(first.conversationId)
            let (second, secondWait) = try await turn(
                [question, ConversationMessage(role: .assistant, content: first.reply), ConversationMessage(role: .user, content: "Who taught you that song?")],
                conversation)
            print("chat time to first token: first turn \(firstWait), second turn \(secondWait); prompt \(first.contextMetadata.promptTokens ?? 0) then \(second.contextMetadata.promptTokens ?? 0) tokens, \(second.contextMetadata.cachedTokens ?? 0) read from the cache")

            #expect(!first.reply.isEmpty && !second.reply.isEmpty)
            #expect(first.characterName == "Ari" && second.conversationId == conversation)
            // The story is the first turn's prompt but for its last few lines: the second turn
            // finds it all in the cache.
            let firstPrompt = try #require(first.contextMetadata.promptTokens)
            #expect((second.contextMetadata.cachedTokens ?? 0) >= firstPrompt - 150, "\(second.contextMetadata)")
            #expect(firstPrompt > 400)

            let kept = try await client.conversation(conversation, of: story.id)
            #expect(kept.messages.map(\.role) == [.user, .assistant, .user, .assistant])
            #expect(kept.messages.last?.content == second.reply)
            #expect(try await client.conversations(of: story.id).map(\.id) == [conversation])
            #expect(try await client.answers(of: story.id, operation: "chat").count == 2)
        }
    }

    /// With the real model, greedy: a bio keeps within the words asked, and a chapter plan covers
    /// every plot point once, in order, naming only the story's characters.
    @Test func aBioKeepsItsLengthAndOutlinesCoverThePlot() async throws {
        try await Self.withRealServer { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            var request = OperationSamples.regenerateBio
            for words in [15, 40] {
                request.words = words
                let bio = try await client.regenerateBio(request)
                #expect(!bio.bio.isEmpty && bio.words <= words && !bio.bio.contains("\n"), "\(bio.bio)")
                #expect(ProseAnswer.wordCount(bio.bio) == bio.words)
            }
            let outlines = OperationSamples.generateChapterOutlines
            let plan = try await client.generateChapterOutlines(outlines)
            #expect(plan.outlines.map(\.number) == [1, 2])
            #expect(plan.outlines.flatMap(\.plotPoints) == outlines.plotPoints)
            #expect(plan.outlines.allSatisfy { !$0.title.isEmpty && Set($0.characters).isSubset(of: ["Ari"]) })
        }
    }

    /// With the real model, greedy: revise until done reports its rounds on the stream in the
    /// document's shape, checks every requested change, and quotes only text the revision added.
    @Test func reviseUntilDoneChecksEveryChangeAndQuotesOnlyNewText() async throws {
        try await Self.withRealServer { server in
            let document = try await OpenAPIConformanceTests.document(server)
            var request = OperationSamples.modifyChapter
            request.userRequest = "- Make it rain at night.\n- Give the farm a dog named Bran."
            request.maxRounds = 2
            let stream = try await OpenAPIConformanceTests.send(
                server, .POST, "/api/v1/modify-chapter/stream", body: try JSONEncoder().encode(request))
            #expect(stream.status == 200)
            try OpenAPIConformanceTests.check(stream, in: document)
            var decoder = ServerSentEventDecoder()
            let events = try decoder.feed(stream.body).map {
                try JSONDecoder().decode(OperationEvent<ModifyChapterResult>.self, from: Data($0.data.utf8))
            }
            let statuses = events.compactMap { event -> (Int, RoundProgress?)? in
                if case .status(_, _, let progress, let round) = event { (progress, round) } else { nil }
            }
            #expect(statuses.map(\.0) == statuses.map(\.0).sorted())
            #expect(statuses.contains { $0.1 == RoundProgress(number: 1, maxRounds: 2, step: .checking) })
            guard case .result(let result) = events.last, let changes = result.changes, let rounds = result.rounds else {
                Issue.record("no checked result: \(events.suffix(2))")
                return
            }
            #expect((1...2).contains(rounds))
            #expect(changes.map(\.change) == ["Make it rain at night.", "Give the farm a dog named Bran."])
            // The sentences of the sample chapter are short: a passage quotes a whole sentence.
            let words = { (text: Substring) in text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
            let original = Set(request.currentChapter.split(whereSeparator: { ".!?\n".contains($0) }).map(words))
            for change in changes {
                if let passage = change.passage {
                    #expect(change.confirmed)
                    #expect(result.modifiedChapter.contains(passage) && !original.contains(words(Substring(passage))))
                }
            }
            // A round left changes missing only when the bound ended it.
            #expect(rounds == 2 || changes.allSatisfy(\.confirmed) || result.roundsNote != nil)
        }
    }

    /// The archive answers from a real library through the real sampler: its grammar lets the
    /// model quote only sentences of the passages it read.
    @Test func theArchiveAnswersWithCitationsOfTheWritersOwnChapters() async throws {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let pipeline = OperationPipeline.Configuration(
            sampling: SamplingParameters(temperature: 0, maxTokens: 220), chapterMaxTokens: 400)
        try await TestServer.withLibrary(host: host, configuration: ServerConfiguration(pipeline: pipeline)) { server in
            try await ArchiveEndpointTests.askTheArchive(on: server)
        }
    }

    /// A writer who cancels any operation stops the model writing it.
    @Test(arguments: 0..<OperationEndpointTests.operations.count)
    func leavingStopsTheModel(_ index: Int) async throws {
        try await Self.leavingStopsTheModel(OperationEndpointTests.operations[index])
    }

    static func leavingStopsTheModel<Operation: WritingOperation>(_ request: Operation) async throws {
        let engine = try await TestModel.shared()
        try await withRealServer { server in
            let leaving = Task {
                let response = try await server.post("/api/v1/\(Operation.operationName)/stream?tokens=true", json: request)
                var decoder = ServerSentEventDecoder()
                var tokens = 0
                for try await chunk in response.body {
                    tokens += decoder.feed(chunk.readableBytesView).filter { $0.data.contains(#""type":"token""#) }.count
                    if tokens >= 2 { return engine.runningGenerations }
                }
                return 0
            }
            #expect(try await leaving.value == 1, "\(Operation.operationName)")
            let left = ContinuousClock.now
            while engine.runningGenerations > 0, ContinuousClock.now - left < .seconds(2) {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(engine.runningGenerations == 0, "\(Operation.operationName)")
        }
    }

    /// The grammar keeps a new character from taking the name of one the story has, which the
    /// default model does for most bios when left free.
    @Test func aNewCharacterNeverTakesTheNameOfOneTheStoryHas() async throws {
        try await Self.withRealServer { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            let story = try JSONDecoder().decode(StructuredContext.self, from: OpenAPIConformanceTests.story)
            let taken = Set((story.characters ?? []).compactMap { $0.name.split(separator: " ").first.map(String.init) })
            #expect(taken.count >= 2)
            for bio in ["Ari's twin sister.", "A friend of Tomas who sings.", "The girl from chapter one, grown up."] {
                let sheet = try await client.generateCharacterDetails(GenerateCharacterDetailsRequest(basicBio: bio, structuredContext: story))
                let first = String(sheet.name.split(separator: " ").first ?? "")
                #expect(!taken.contains(first.trimmingCharacters(in: .punctuationCharacters)), "\(bio) → \(sheet.name)")
                for character in story.characters ?? [] {
                    #expect(!CharacterSheetChecks.sameName(sheet.name, character.name), "\(bio) → \(sheet.name)")
                }
                // Each short field holds what it is for.
                #expect(GenerateCharacterDetailsRequest.sexes.contains(sheet.sex), "\(sheet.sex)")
                #expect(GenerateCharacterDetailsRequest.genders.contains(sheet.gender), "\(sheet.gender)")
                #expect(!sheet.age.isEmpty && sheet.age.allSatisfy(\.isNumber), "\(sheet.age)")
            }
        }
    }

    /// A chapter is not ended before the fewest words its length allows, reckoned in tokens, and
    /// its result says how its length compares with the length asked, and why when it is out.
    @Test func aChapterRunsToItsMinimumAndJudgesItsLength() async throws {
        let host = ModelHost(.ready(try await TestModel.shared()))
        let pipeline = OperationPipeline.Configuration(
            sampling: SamplingParameters(temperature: 0, maxTokens: 220), chapterMaxTokens: 400)
        try await TestServer.with(host: host, configuration: ServerConfiguration(pipeline: pipeline)) { server in
            let client = WriterAssistantClient(baseURL: server.baseURL)
            for words in [60, 150] {
                var request = OperationSamples.generateChapter
                request.targetWords = words
                let policy = ChapterLengthPolicy(asked: words)
                let result = try await client.generateChapter(request)
                let completion = try #require(result.contextMetadata.completionTokens)
                #expect(completion >= policy.minTokens(within: 400), "\(completion) tokens: \(result.chapterText)")
                #expect(completion <= policy.maxTokens(within: 400))
                let length = try #require(result.length)
                #expect(length.asked == words && length.minimum == policy.minimumWords && length.maximum == policy.maximumWords)
                #expect(length.withinTolerance == (policy.minimumWords...policy.maximumWords).contains(result.wordCount))
                #expect((length.note == nil) == length.withinTolerance, "\(length)")
            }
        }
    }

    @Test func aChapterPastTheTimeLimitEndsWithGenerationTimeout() async throws {
        try await Self.withRealServer(generationTimeout: .milliseconds(300)) { server in
            let (_, events) = try await server.stream(OperationSamples.generateChapter)
            guard case .error(let message, let code) = events.last?.event else { Issue.record("\(events.map(\.event))"); return }
            #expect(code == .generationTimeout)
            #expect(message.contains("chapter"))
        }
    }
}

extension ServerSentEventDecoder {
    /// The events of a whole body.
    mutating func feed(_ body: Data) -> [Event] {
        feed(ByteBuffer(bytes: body).readableBytesView)
    }
}
