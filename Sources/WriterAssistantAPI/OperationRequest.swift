/// The body of one of the API's long-running operations: `POST /api/v1/<operationName>` and its
/// `/stream` twin take it, and answer with `Result`.
public protocol OperationRequest: Codable, Sendable, Equatable {
    associatedtype Result: OperationResult

    /// The operation's path under `/api/v1/`, e.g. `rater-feedback`.
    static var operationName: String { get }

    /// The story every operation reads; every part of it is optional. A request on a stored
    /// story has it filled in from the library.
    var structuredContext: StructuredContext? { get set }

    /// Who answers, as a story's history files it: the rater's name, the character's.
    var historySubject: String? { get }

    /// The chapter the answer is about when the request does not say (a new chapter's number).
    var historyChapter: Int? { get }

    /// Whether the request carries the text of one of the story's chapters (to revise, review or
    /// flesh out), so that on a stored story it reads only the chapters before that one.
    static var worksOnAStoredChapter: Bool { get }

    /// What is wrong with a decoded request beyond its JSON shape (a blank required string, a
    /// character the story does not have), after tidying what may be tidied (a blank optional
    /// name becomes nil). Empty when the request can be served.
    mutating func validate() -> [ValidationIssue]

    /// Readies a request on a stored story, whose answer the library keeps, before it runs: a
    /// chat names the conversation its turn is kept in.
    mutating func willBeKept(newName: String)

    /// The request as a story's history keeps it (its story aside): a chat's last turn only, since
    /// its conversation is kept in full beside it.
    var historyRecord: Self { get }

    /// What a stored story keeps beside the answer in its history: a chat's turn, in the
    /// conversation it carries on. Nil for the other operations.
    func keptTurn(of result: Result) -> KeptTurn?

    /// The result as the client gets it when the library failed to keep it: a chat's names no
    /// conversation, since none holds the turn.
    func notKept(_ result: Result) -> Result
}

/// The final answer of an operation, identical on the synchronous and the streaming endpoint.
public protocol OperationResult: Codable, Sendable, Equatable {
    var contextMetadata: ContextMetadata { get }
}

extension OperationRequest {
    public var historySubject: String? { nil }
    public var historyChapter: Int? { nil }
    public static var worksOnAStoredChapter: Bool { false }
    public mutating func willBeKept(newName: String) {}
    public var historyRecord: Self { self }
    public func keptTurn(of result: Result) -> KeptTurn? { nil }
    public func notKept(_ result: Result) -> Result { result }

    /// The issue of a required string that is blank.
    static func blank(_ field: String) -> ValidationIssue {
        ValidationIssue(loc: ["body", .key(field)], msg: "String should have at least 1 character", type: "string_too_short")
    }

    /// The issues of required strings that are blank, in the order given.
    static func requireText(_ fields: [(String, String)]) -> [ValidationIssue] {
        fields.filter { $0.1.allSatisfy(\.isWhitespace) }.map { blank($0.0) }
    }
}
