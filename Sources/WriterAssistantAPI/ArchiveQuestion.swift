/// One turn of a conversation a client keeps: what the writer asked, what was answered.
public struct ConversationMessage: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable {
        case user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

/// The body of `POST /api/v1/archive/ask`: a question about the writer's own stories, answered
/// from the passages of the library that bear on it, each cited. A follow-up sends the turns
/// before it in `messages`.
public struct ArchiveQuestionRequest: OperationRequest {
    public typealias Result = ArchiveAnswer
    public static let operationName = "archive/ask"

    /// Longest question: a paragraph, not a chapter.
    public static let longestQuestion = 2_000
    /// Most turns of a conversation sent back (more are refused; a client keeps the latest). The
    /// answer reads the latest that fit its room.
    public static let mostMessages = 40
    /// Longest turn of a conversation.
    public static let longestMessage = 8_000

    public var question: String
    /// The conversation so far, oldest first.
    public var messages: [ConversationMessage]?
    /// The passages of the library the answer reads: gathered by the server from the writer's
    /// stories, never taken from the request.
    public var passages: [ArchivePassage] = []
    /// Always nil: the archive is the writer's stories, not a story sent along.
    public var structuredContext: StructuredContext?

    public init(question: String, messages: [ConversationMessage]? = nil) {
        self.question = question
        self.messages = messages
    }

    /// What the library is searched for: the question, then the writer's turns just before it
    /// (latest first), which a follow-up ("and after that?") leans on.
    public var searchText: String {
        let earlier = (messages ?? []).filter { $0.role == .user }.suffix(2).reversed().map(\.content)
        return ([question] + earlier).joined(separator: "\n")
    }

    public mutating func validate() -> [ValidationIssue] {
        var issues = Self.requireText([("question", question)])
        // Counted in scalars: a "character" may carry any number of combining marks.
        if question.unicodeScalars.count > Self.longestQuestion {
            issues.append(ValidationIssue(
                loc: ["body", "question"], msg: "String should have at most \(Self.longestQuestion) characters", type: "string_too_long"))
        }
        if let messages {
            if messages.count > Self.mostMessages {
                issues.append(ValidationIssue(
                    loc: ["body", "messages"], msg: "List should have at most \(Self.mostMessages) items", type: "too_long"))
            }
            for (index, message) in messages.enumerated() where message.content.unicodeScalars.count > Self.longestMessage {
                issues.append(ValidationIssue(
                    loc: ["body", "messages", .index(index), "content"],
                    msg: "String should have at most \(Self.longestMessage) characters", type: "string_too_long"))
            }
        }
        structuredContext = nil
        passages = []
        return issues
    }

    enum CodingKeys: String, CodingKey {
        case question, messages
    }
}

/// A passage of one of the writer's chapters, as the answer reads it; and as it cites it, where
/// `text` is one of the passage's sentences.
public struct ArchivePassage: Codable, Sendable, Equatable {
    public var storyId: String
    public var title: String
    /// The chapter's number, as the story numbers it.
    public var chapter: Int
    /// The paragraph's number in its chapter, from 1.
    public var paragraph: Int
    public var text: String

    public init(storyId: String, title: String, chapter: Int, paragraph: Int, text: String) {
        self.storyId = storyId
        self.title = title
        self.chapter = chapter
        self.paragraph = paragraph
        self.text = text
    }
}

/// Where an answer's words come from: words of a chapter, exactly as the writer wrote them (a
/// sentence of a passage the answer read), with the same places as the passage.
public typealias ArchiveCitation = ArchivePassage

public struct ArchiveAnswer: OperationResult {
    public var answer: String
    /// The passages the answer rests on, each checked word for word against its chapter.
    public var citations: [ArchiveCitation]
    /// How many passages of the library the answer read; 0 when none bore on the question, and
    /// then the model was not asked.
    public var passagesRead: Int
    /// Quotes the model gave that are not one of the passages' sentences (a fragment, words the
    /// chapters do not hold), left out.
    public var unverifiedCitations: Int?
    public var contextMetadata: ContextMetadata

    public init(
        answer: String, citations: [ArchiveCitation], passagesRead: Int, unverifiedCitations: Int? = nil,
        contextMetadata: ContextMetadata
    ) {
        self.answer = answer
        self.citations = citations
        self.passagesRead = passagesRead
        self.unverifiedCitations = unverifiedCitations
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case answer, citations, passagesRead, unverifiedCitations
        case contextMetadata = "context_metadata"
    }
}

/// The body of `POST /api/v1/archive/search`: the library's search with the query in a JSON body.
/// It answers with `LibrarySearchResults`.
public struct ArchiveSearchRequest: Codable, Sendable, Equatable {
    public static let longestQuery = 2_000

    public var query: String
    /// Most hits, 1 to 100; 20 when not set.
    public var limit: Int?

    public init(query: String, limit: Int? = nil) {
        self.query = query
        self.limit = limit
    }

    public func validate() -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if query.unicodeScalars.count > Self.longestQuery {
            issues.append(ValidationIssue(
                loc: ["body", "query"], msg: "String should have at most \(Self.longestQuery) characters", type: "string_too_long"))
        }
        if let issue = ValidationIssue.outside(1...100, limit, at: ["body", "limit"]) { issues.append(issue) }
        return issues
    }
}
