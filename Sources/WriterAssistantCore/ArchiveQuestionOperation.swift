package import WriterAssistantAPI
import WriterAssistantLLM
import NIOPosix

/// A question about the writer's own stories, answered from the passages of the library that bear
/// on it. The answer first quotes its evidence, chosen by the grammar among the passages'
/// sentences, then answers; every quote is checked word for word against its passage, and one
/// that is not there (a remote model may ignore the schema) is left out and counted.
extension ArchiveQuestionRequest: WritingOperation {
    package static let answerName = "answer"
    package static let readsTheArchive = true

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        // The library was searched before the run began, as the request was read.
        case .contextProcessing: "Laying out the passages found in your stories..."
        case .evaluating: "Reading the passages..."
        case .generatingFeedback: "Writing the answer..."
        case .parsing: "Checking the answer's citations..."
        case .complete: "Answer complete."
        }
    }

    /// The answer when no passage of the library bears on the question: the model is not asked,
    /// since it could only make an answer up.
    static let nothingFound = "None of your stories has a passage about this. Try other words, or the names your stories use."
    /// Most quotes an answer gives.
    static let mostCitations = 3
    /// Longest answer, in characters: a few sentences.
    static let longestAnswer = 1_200
    /// Characters of the conversation so far that the prompt carries, the latest turns first kept.
    static let conversationRoom = 4_000

    package mutating func gather(from archive: any StoryArchive) async throws {
        let query = searchText
        let stories = try await archive.stories(matching: Self.searchWords(of: query), limit: ArchiveShelf.mostStories)
        guard !stories.isEmpty else { return }
        // Indexing several manuscripts is CPU work, kept off the cooperative pool.
        passages = try await NIOThreadPool.singleton.runIfActive { ArchiveShelf.passages(for: query, in: stories) }
    }

    /// Most words the library is searched for: the question's first, then its follow-up's.
    static let mostSearchWords = 24

    /// The words of `text` a search can tell stories apart by, each once, in order: without the
    /// commonest words ("the", "did"), which every story has.
    static func searchWords(of text: String) -> String {
        var seen: Set<String> = []
        return PassageSearch.terms(of: text).filter { seen.insert($0).inserted }.prefix(mostSearchWords).joined(separator: " ")
    }

    package func produce(in run: OperationRun<Self>) async throws -> ArchiveAnswer {
        guard !passages.isEmpty else {
            await run.emit(Self.status(.parsing))
            return ArchiveAnswer(
                answer: Self.nothingFound, citations: [], passagesRead: 0,
                contextMetadata: ContextMetadata(tokens: 0, processingTime: (ContinuousClock.now - run.started).inSeconds))
        }
        return try await run.answerAndRead(self)
    }

    package func task(names: [String]) -> PromptTask {
        let listed = passages.enumerated().map { index, passage in
            "[\(index + 1)] \"\(passage.title.trimmed)\", chapter \(passage.chapter), paragraph \(passage.paragraph):\n\(passage.text)"
        }
        // A preview of a question nothing bears on says so: the run would not ask the model.
        var sections = ["# Passages from the writer's stories\n" + (listed.isEmpty ? "(none found)" : listed.joined(separator: "\n\n"))]
        if let conversation = conversation { sections.append("# Conversation so far\n" + conversation) }
        sections.append("# Question\n" + question.trimmed)
        return PromptTask(
            sections: sections,
            instructions: "Answer the writer's question from the passages above, and nothing else. Answer with a JSON object: "
                + "\"citations\", one to \(Self.mostCitations) sentences quoted exactly from the passages that answer the "
                + "question, then \"answer\", the answer in a few plain sentences that name the story and chapter it "
                + "comes from. If the passages do not answer the question, say so in the answer.")
    }

    /// The latest turns that fit the room, oldest first, as the writer and the assistant said them.
    var conversation: String? {
        ConversationWindow(messages ?? [], room: Self.conversationRoom).text
    }

    /// The sentences of the passages a citation may quote, each with the passage it is from. A
    /// sentence two passages share is left out: its citation could not say which it means.
    var quotable: [(sentence: String, passage: Int)] {
        var first: [String: Int] = [:]
        var shared: Set<String> = []
        var order: [String] = []
        for (index, passage) in passages.enumerated() {
            for sentence in CitableSentences.sentences(of: passage.text) {
                if let earlier = first[sentence] {
                    if earlier != index { shared.insert(sentence) }
                } else {
                    first[sentence] = index
                    order.append(sentence)
                }
            }
        }
        return order.compactMap { sentence in shared.contains(sentence) ? nil : first[sentence].map { (sentence, $0) } }
    }

    var shape: JSONShape {
        let sentences = quotable.map(\.sentence)
        let answer: (key: String, value: JSONShape) = ("answer", .string(minimum: 1, maximum: Self.longestAnswer))
        guard !sentences.isEmpty else { return .object([answer]) }
        return .object([("citations", .list(.choice(sentences), count: 1...Self.mostCitations)), answer])
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        // The quotes' length, counted generously, and the answer's (about four characters a token).
        let quotes = quotable.map(\.sentence.utf8.count).max().map { Self.mostCitations * ($0 / 2 + 8) } ?? 0
        return AnswerPlan(sampling: settings.prose(wanting: 24 + quotes + Self.longestAnswer / 3), constraint: shape.constraint)
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> ArchiveAnswer {
        let object = try JSONAnswer.reading(answer)
        let written = object.string("answer")?.trimmed ?? ""
        guard !written.isEmpty else { throw OperationFailure(.parsingError, "The model wrote no answer.") }
        var citations: [ArchiveCitation] = []
        var unverified = 0
        // A quote counts only when it is one of the sentences offered, whole: a fragment of one
        // ("killed Mara" of "never killed Mara") says what the chapter does not. Its closing and
        // quotation marks aside, which a model quoting without the grammar may add or drop; the
        // citation is the sentence as the chapter has it.
        let offered = Dictionary(quotable.map { (CitableSentences.key($0.sentence), $0) }, uniquingKeysWith: { first, _ in first })
        for quote in object.strings("citations") where !quote.trimmed.isEmpty {
            guard let (sentence, index) = offered[CitableSentences.key(quote)] else {
                unverified += 1
                continue
            }
            var citation = passages[index]
            citation.text = sentence
            if !citations.contains(citation), citations.count < Self.mostCitations { citations.append(citation) }
        }
        return ArchiveAnswer(
            answer: written, citations: citations, passagesRead: passages.count, unverifiedCitations: unverified > 0 ? unverified : nil,
            contextMetadata: answer.metadata(truncated: object.cutOff))
    }
}
