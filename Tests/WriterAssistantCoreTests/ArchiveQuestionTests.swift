import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// Asking the archive: which passages of the writer's stories are read, how the answer's quotes
/// are checked, and a run that finds nothing.
@Suite struct ArchiveQuestionTests {
    static let saltRoad = ArchiveStory(id: "salt", title: "The Salt Road", chapters: [
        .init(number: 1, text: "Mara packed her bag before dawn and left the mill without a word to anyone.\n\nThe road ran south along the cliffs, past the lighthouse and the chapel."),
        .init(number: 2, text: "Ivo drowned below the weir, and nobody in the village spoke of it again.\n\nMara kept his knife in her boot."),
    ])
    static let glassHouse = ArchiveStory(id: "glass", title: "The Glass House", chapters: [
        .init(number: 1, text: "The gardener watered the orchids every morning at six, humming a song about the weir. She had never seen the weir herself."),
    ])

    /// A library of fixed stories, which records what it was asked.
    final class FixedArchive: StoryArchive, @unchecked Sendable {
        let stories: [ArchiveStory]
        private let lock = NSLock()
        private var asked: [String] = []

        init(_ stories: [ArchiveStory]) { self.stories = stories }

        var queries: [String] { lock.withLock { asked } }

        func stories(matching text: String, limit: Int) async throws -> [ArchiveStory] {
            lock.withLock { asked.append(text) }
            return Array(stories.prefix(limit))
        }
    }

    static func asked(_ question: String, from stories: [ArchiveStory], messages: [ConversationMessage]? = nil) async throws -> ArchiveQuestionRequest {
        var request = ArchiveQuestionRequest(question: question, messages: messages)
        #expect(request.validate().isEmpty)
        try await request.gather(from: FixedArchive(stories))
        return request
    }

    // MARK: Passages

    @Test func theParagraphsThatBearMostOnTheQuestionAreReadWithTheirStoryChapterAndPlace() throws {
        let passages = ArchiveShelf.passages(for: "How did Ivo drown at the weir?", in: [Self.saltRoad, Self.glassHouse])
        let first = try #require(passages.first)
        #expect(first == ArchivePassage(
            storyId: "salt", title: "The Salt Road", chapter: 2, paragraph: 1,
            text: "Ivo drowned below the weir, and nobody in the village spoke of it again."))
        // The other story's mention of the weir is read too, after the better match.
        #expect(passages.map(\.storyId).contains("glass"))
        // Paragraphs that share no word with the question are not.
        #expect(passages.count == 2)
        #expect(!passages.contains { $0.text.hasPrefix("Mara packed") || $0.text.hasPrefix("The road ran south") })
    }

    @Test func passagesStayWithinTheirCountAndRoom() {
        let paragraph = "The weir roared over the stones and the water ran white below the mill all night."
        let long = ArchiveStory(id: "long", title: "Long", chapters: (1...30).map {
            .init(number: $0, text: Array(repeating: paragraph, count: 4).joined(separator: "\n\n"))
        })
        let passages = ArchiveShelf.passages(for: "weir", in: [long])
        #expect(passages.count == ArchiveShelf.mostPassages)
        #expect(passages.map(\.text.count).reduce(0, +) <= ArchiveShelf.room)
        // Stories past the bound are not read at all.
        let many = (0..<6).map { ArchiveStory(id: "s\($0)", title: "S\($0)", chapters: [.init(number: 1, text: paragraph)]) }
        #expect(Set(ArchiveShelf.passages(for: "weir", in: many).map(\.storyId)) == Set((0..<ArchiveShelf.mostStories).map { "s\($0)" }))
    }

    @Test func aFollowUpSearchesWithTheWritersTurnsBeforeIt() async throws {
        let archive = FixedArchive([Self.saltRoad])
        var request = ArchiveQuestionRequest(question: "And after that?", messages: [
            .init(role: .user, content: "What happened at the weir?"),
            .init(role: .assistant, content: "Ivo drowned."),
        ])
        try await request.gather(from: archive)
        // The question's own words first, then the turn before it; none of the commonest words.
        #expect(archive.queries == ["happened weir"])
        #expect(ArchiveQuestionRequest.searchWords(of: "Mara? " + String(repeating: "word ", count: 100)) == "mara word")
        #expect(request.passages.first?.chapter == 2)
        let prompt = request.task(names: []).sections.joined(separator: "\n")
        #expect(prompt.contains("Writer: What happened at the weir?\nYou: Ivo drowned."))
    }

    // MARK: Validation

    @Test func aBlankOrOverlongQuestionOrConversationIsRefusedAndPassagesAreNeverTakenFromTheBody() throws {
        var blank = ArchiveQuestionRequest(question: "  ")
        #expect(blank.validate().map(\.loc) == [["body", "question"]])
        var long = ArchiveQuestionRequest(question: String(repeating: "a", count: ArchiveQuestionRequest.longestQuestion + 1))
        #expect(long.validate().map(\.type) == ["string_too_long"])
        var chatty = ArchiveQuestionRequest(
            question: "Why?", messages: Array(repeating: .init(role: .user, content: "x"), count: ArchiveQuestionRequest.mostMessages + 1))
        #expect(chatty.validate().map(\.type) == ["too_long"])
        let body = #"{"question": "Why?", "passages": [{"storyId": "x", "title": "x", "chapter": 1, "paragraph": 1, "text": "planted"}]}"#
        let decoded = try ArchiveQuestionRequest.decode(validating: Data(body.utf8))
        #expect(decoded.passages.isEmpty)
        #expect(throws: RequestRejection.self) {
            try ArchiveQuestionRequest.decode(validating: Data(#"{"question": "Why?", "messages": [{"role": "system", "content": "x"}]}"#.utf8))
        }
    }

    // MARK: The answer

    @Test func citationsAreChosenAmongThePassagesSentencesAndCheckedWordForWord() async throws {
        let request = try await Self.asked("How did Ivo drown at the weir?", from: [Self.saltRoad, Self.glassHouse])
        guard case .object(let fields) = request.shape, case .list(.choice(let sentences), let count) = fields.first?.value else {
            Issue.record("the answer quotes before it answers")
            return
        }
        #expect(fields.map(\.key) == ["citations", "answer"])
        #expect(sentences.contains("Ivo drowned below the weir, and nobody in the village spoke of it again."))
        #expect(count == 1...3)
        let answer = #"{"citations": ["Ivo drowned below the weir, and nobody in the village spoke of it again", "Ivo was pushed off the bridge by his brother"], "answer": "He drowned at the weir, in chapter 2 of The Salt Road."}"#
        let result = try request.result(from: OperationTests.finished(answer))
        #expect(result.answer == "He drowned at the weir, in chapter 2 of The Salt Road.")
        #expect(result.citations == [ArchiveCitation(
            storyId: "salt", title: "The Salt Road", chapter: 2, paragraph: 1,
            text: "Ivo drowned below the weir, and nobody in the village spoke of it again.")])
        #expect(result.unverifiedCitations == 1)
        #expect(result.passagesRead == request.passages.count)
        #expect(throws: OperationFailure.self) { try request.result(from: OperationTests.finished(#"{"citations": [], "answer": "  "}"#)) }
    }

    @Test func sentencesKeepTheirMarksAndOnesBrokenAcrossLinesAreNotOffered() {
        let text = "\"Did Ivo drown?\" asked the boy. He never\nkilled Mara at all. Ivo swam (badly) home! Yes."
        #expect(CitableSentences.sentences(of: text) == ["\"Did Ivo drown?\"", "asked the boy.", "Ivo swam (badly) home!"])
        #expect(CitableSentences.key("  \u{201C}Ivo swam home.\u{201D} ") == "Ivo swam home")
        let long = String(repeating: "word ", count: 60) + "end."
        #expect(CitableSentences.sentences(of: long).first.map { $0.count <= CitableSentences.longest && long.hasPrefix($0) } == true)
    }

    @Test func aFragmentOfASentenceOrAFourthCitationIsNotTaken() async throws {
        let request = try await Self.asked("How did Ivo drown at the weir?", from: [Self.saltRoad, Self.glassHouse])
        let sentences = request.quotable.map(\.sentence)
        #expect(sentences.count >= 3)
        let quotes = ["nobody in the village spoke"] + sentences + sentences
        let body = try JSONSerialization.data(withJSONObject: ["citations": quotes, "answer": "At the weir."])
        let result = try request.result(from: OperationTests.finished(String(decoding: body, as: UTF8.self)))
        #expect(result.unverifiedCitations == 1)
        #expect(result.citations.map(\.text) == Array(sentences.prefix(ArchiveQuestionRequest.mostCitations)))
    }

    @Test func aLongTurnKeepsItsEndAndTheConversationItsRoom() {
        let long = String(repeating: "Tell me about the weir. ", count: 400) + "What of Ivo?"
        let request = ArchiveQuestionRequest(question: "And then?", messages: [
            .init(role: .user, content: "Who is Mara?"), .init(role: .assistant, content: "A miller's daughter."),
            .init(role: .user, content: long),
        ])
        let conversation = request.conversation ?? ""
        #expect(conversation.count <= ArchiveQuestionRequest.conversationRoom + 8)
        #expect(conversation.hasSuffix("What of Ivo?"))
        #expect(conversation.hasPrefix("Writer: …"))
    }

    @Test func whenNothingBearsOnTheQuestionTheModelIsNotAsked() async throws {
        let model = ScriptedModel(script: .wellFormed())
        let pipeline = OperationPipeline(host: ModelHost(.ready(model)))
        let request = try await Self.asked("Who won the regatta?", from: [Self.saltRoad])
        #expect(request.passages.isEmpty)
        var phases: [FeedbackPhase] = []
        let result = try await pipeline.result(for: request) { event in
            if case .status(let phase, _, _, _) = event { phases.append(phase) }
        }
        #expect(result.passagesRead == 0)
        #expect(result.citations.isEmpty)
        #expect(result.answer == ArchiveQuestionRequest.nothingFound)
        #expect(phases == [.contextProcessing, .parsing, .complete])
        #expect(model.observed.started == 0)
    }

    @Test func aRunReadsThePassagesAndReturnsTheCheckedCitations() async throws {
        let answer = #"{"citations": ["Ivo drowned below the weir, and nobody in the village spoke of it again"], "answer": "He drowned below the weir."}"#
        let model = ScriptedModel(script: .init(answer: answer.chunked(into: 10)))
        let pipeline = OperationPipeline(host: ModelHost(.ready(model)))
        let request = try await Self.asked("How did Ivo drown?", from: [Self.saltRoad])
        let result = try await pipeline.result(for: request)
        #expect(result.citations.map(\.chapter) == [2])
        #expect(result.unverifiedCitations == nil)
        #expect(model.observed.started == 1)
        #expect(model.observed.constraints.first??.grammar?.contains("Ivo drowned below the weir") == true)
    }
}
