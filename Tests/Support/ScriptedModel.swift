import Synchronization
public import WriterAssistantLLM

/// A stand-in model that plays back a script: deterministic, instant to load, and able to fail,
/// stall or be cancelled on cue. Tokens are whitespace-separated words.
public final class ScriptedModel: LanguageModel {
    public struct Script: Sendable {
        /// Pieces of the answer, emitted one per step.
        public var answer: [String]
        public var promptEvaluationDelay: Duration
        public var pieceDelay: Duration
        /// Fail with this error after `failAfterPieces` pieces.
        public var failure: LanguageModelError?
        public var failAfterPieces: Int
        /// Why the answer ended, as the summary reports it.
        public var stopReason: GenerationSummary.StopReason = .endOfGeneration
        /// Refuse to prepare prompts with this error, as a full engine does.
        public var preparationFailure: LanguageModelError?
        /// Report prompt sizes as estimates off by up to this many tokens, as an engine that
        /// cannot count exactly does.
        public var countMargin = 0
        /// The answers of the second generation on, in turn, the last repeated: a model asked
        /// several times in one run (revise until done) answers each time differently.
        public var laterAnswers: [[String]] = []
        /// The delay between pieces of the second generation on, when it differs from the first's.
        public var laterPieceDelay: Duration?
        /// Why the second generation on ends, when it differs from the first's.
        public var laterStopReason: GenerationSummary.StopReason?

        public init(
            answer: [String],
            promptEvaluationDelay: Duration = .zero,
            pieceDelay: Duration = .zero,
            failure: LanguageModelError? = nil,
            failAfterPieces: Int = 0
        ) {
            self.answer = answer
            self.promptEvaluationDelay = promptEvaluationDelay
            self.pieceDelay = pieceDelay
            self.failure = failure
            self.failAfterPieces = failAfterPieces
        }

        /// A well-formed answer in the API's JSON shape, written a few characters at a time.
        public static func wellFormed(pieceDelay: Duration = .zero) -> Script {
            let json = #"{"opinion": "A strong, eerie turn. The door raises the stakes.", "suggestions": ["Describe the door's carvings", "Show the hero's hesitation", "Let the basement smell of rain"]}"#
            return Script(answer: json.chunked(into: 12), pieceDelay: pieceDelay)
        }
    }

    public struct Counters: Sendable, Equatable {
        public var started = 0
        public var finished = 0
        public var cancelled = 0
        public var prompts: [[Token]] = []
        public var constraints: [AnswerConstraint?] = []
        /// Calls of `countTokens` and `prepare`, for tests of how often a prompt is measured.
        public var tokenCounts = 0
        public var preparations = 0
    }

    public let descriptor: ModelDescriptor
    private let script: Script
    private let counters = Recorder()

    public init(script: Script, contextLength: Int = 4096, name: String = "scripted-model") {
        self.script = script
        descriptor = ModelDescriptor(name: name, contextLength: contextLength)
    }

    public var observed: Counters { counters.withLock { $0 } }

    private final class Recorder: Sendable {
        private let value = Mutex(Counters())

        func withLock<T: Sendable>(_ body: (inout Counters) -> T) -> T {
            value.withLock { body(&$0) }
        }
    }

    public func tokenize(_ text: String) async throws -> [Token] {
        words(text)
    }

    /// Tokens as the scripted model counts them, for tests that measure prompts.
    public func words(_ text: String) -> [Token] {
        text.split(whereSeparator: \.isWhitespace).map { Token(truncatingIfNeeded: $0.hashValue & 0x7fff) }
    }

    public func renderChat(_ messages: [ChatMessage]) throws -> String {
        messages.map { "<\($0.role.rawValue)> \($0.content) </\($0.role.rawValue)>" }.joined(separator: "\n")
    }

    public func tokenizeChat(_ messages: [ChatMessage]) async throws -> [Token] {
        if let failure = script.preparationFailure { throw failure }
        return try words(renderChat(messages))
    }

    public func countTokens(_ text: String) async throws -> Int {
        counters.withLock { $0.tokenCounts += 1 }
        return words(text).count
    }

    public func prepare(_ messages: [ChatMessage]) async throws -> PreparedPrompt {
        counters.withLock { $0.preparations += 1 }
        let tokens = try await tokenizeChat(messages)
        return PreparedPrompt(messages: messages, tokenCount: tokens.count, countMargin: script.countMargin, tokens: tokens)
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let turn = counters.withLock {
            $0.started += 1
            $0.prompts.append(request.prompt.tokens ?? [])
            $0.constraints.append(request.constraint)
            return $0.started - 1
        }
        let (events, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        var script = script
        if turn > 0, let later = script.laterAnswers.last {
            script.answer = turn <= script.laterAnswers.count ? script.laterAnswers[turn - 1] : later
        }
        if turn > 0, let delay = script.laterPieceDelay { script.pieceDelay = delay }
        if turn > 0, let reason = script.laterStopReason { script.stopReason = reason }
        let counters = counters
        let playback = Task {
            do {
                continuation.yield(.promptEvaluationStarted(promptTokens: request.prompt.tokenCount, reusedTokens: 0))
                try await Task.sleep(for: script.promptEvaluationDelay)
                continuation.yield(.promptEvaluationProgress(evaluated: request.prompt.tokenCount, total: request.prompt.tokenCount))
                for (index, piece) in script.answer.enumerated() {
                    if let failure = script.failure, index == script.failAfterPieces { throw failure }
                    try await Task.sleep(for: script.pieceDelay)
                    continuation.yield(.text(piece))
                }
                if let failure = script.failure, script.failAfterPieces >= script.answer.count { throw failure }
                continuation.yield(.finished(GenerationSummary(
                    promptTokens: request.prompt.tokenCount, completionTokens: script.answer.count,
                    stopReason: script.stopReason, generationSeconds: 0.5)))
                counters.withLock { $0.finished += 1 }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            playback.cancel()
            if case .cancelled = termination { counters.withLock { $0.cancelled += 1 } }
        }
        return events
    }
}

extension String {
    public func chunked(into size: Int) -> [String] {
        var chunks: [String] = []
        var rest = Substring(self)
        while !rest.isEmpty {
            chunks.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return chunks
    }
}
