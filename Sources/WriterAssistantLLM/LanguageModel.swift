/// A model that can measure prompts and stream generations: in this process or on another
/// server, each engine owns its chat template, its tokenizer and how it holds an answer to its
/// shape.
///
/// Implementations must never block the caller's thread for long: `generate` returns at once and
/// the work happens elsewhere, and tokenizing (a multi-megabyte story takes seconds) runs off the
/// caller's executor. Ending iteration of the returned stream (or cancelling the task iterating
/// it) cancels the generation; cancelling a preparing call abandons it.
public protocol LanguageModel: Sendable {
    var descriptor: ModelDescriptor { get }

    /// Tokens `text` takes as plain content; estimated by engines that cannot count exactly
    /// (within the margin their `prepare` states). Fails with `queueFull` when the model has no
    /// room for another request's preparation.
    func countTokens(_ text: String) async throws -> Int

    /// `countTokens` of each text, in order; engines that tokenize in turn do it in one turn.
    func countTokens(_ texts: [String]) async throws -> [Int]

    /// The conversation ready for `generate`, with its size. The template's own scaffolding may
    /// produce control tokens, the messages' contents never do, so story text cannot forge a turn.
    func prepare(_ messages: [ChatMessage]) async throws -> PreparedPrompt

    func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error>

    func shutdown()

    /// Returns once a shut-down model has finished its work (saving what it keeps across runs).
    func waitUntilStopped() async

    /// How busy the model is, for engines that can tell.
    var load: ModelLoad? { get }
}

public struct ModelLoad: Sendable, Equatable {
    /// Generations being evaluated or written.
    public var running: Int
    /// Generations waiting for their turn.
    public var waiting: Int
    /// Prompts being tokenized (or waiting to be) for generations not yet submitted.
    public var preparing: Int

    public init(running: Int, waiting: Int, preparing: Int = 0) {
        self.running = running
        self.waiting = waiting
        self.preparing = preparing
    }
}

public typealias Token = Int32

public struct ModelDescriptor: Sendable, Equatable {
    /// A human-readable name, usually the file name of the weights.
    public var name: String
    /// How many tokens one generation may hold: prompt plus answer.
    public var contextLength: Int
    /// Whether `countTokens` and `prepare` count with the model's own tokenizer; false for
    /// engines that estimate.
    public var countsTokensExactly: Bool

    public init(name: String, contextLength: Int, countsTokensExactly: Bool = true) {
        self.name = name
        self.contextLength = contextLength
        self.countsTokensExactly = countsTokensExactly
    }

    /// `name` as told to writers who are not the operator: a model server's address (the name of
    /// a pool whose servers have not named their model yet) becomes "a model server", and a path
    /// on the model server's disk (llama.cpp's server names its model so) its file name.
    public static func publicName(_ name: String) -> String {
        if name.contains("://") { return "a model server" }
        guard let lastSeparator = name.lastIndex(where: { $0 == "/" || $0 == "\\" }) else { return name }
        let file = name[name.index(after: lastSeparator)...]
        return file.isEmpty ? "a model server" : String(file)
    }
}

public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable {
        case system, user, assistant
    }

    public var role: Role
    public var content: String

    public init(role: Role, content: String) {
        self.role = role
        self.content = content
    }
}

extension LanguageModel {
    /// Releases the model's resources; generations still waiting fail. Engines with nothing to
    /// release need not implement it.
    public func shutdown() {}

    public func waitUntilStopped() async {}

    public var load: ModelLoad? { nil }

    public func countTokens(_ texts: [String]) async throws -> [Int] {
        var counts: [Int] = []
        counts.reserveCapacity(texts.count)
        for text in texts { counts.append(try await countTokens(text)) }
        return counts
    }
}
