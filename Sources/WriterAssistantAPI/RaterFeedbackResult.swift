/// The final answer of a rater, identical on the synchronous and the streaming endpoint.
public struct RaterFeedbackResult: OperationResult {
    public var raterName: String
    public var feedback: RaterFeedback
    public var contextMetadata: ContextMetadata

    public init(raterName: String, feedback: RaterFeedback, contextMetadata: ContextMetadata) {
        self.raterName = raterName
        self.feedback = feedback
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case raterName
        case feedback
        case contextMetadata = "context_metadata"
    }
}

public struct RaterFeedback: Codable, Sendable, Equatable {
    public var opinion: String
    public var suggestions: [String]

    public init(opinion: String, suggestions: [String]) {
        self.opinion = opinion
        self.suggestions = suggestions
    }
}

/// How the answer was produced. `tokens` and `processingTime` are the original API's fields;
/// the rest are additions a client may ignore.
public struct ContextMetadata: Codable, Sendable, Equatable {
    /// Prompt plus completion tokens, counted with the model's own tokenizer (or estimated, as
    /// `tokenCountsEstimated` says).
    public var tokens: Int
    /// Wall-clock seconds from receiving the request to the result.
    public var processingTime: Double
    public var promptTokens: Int?
    public var completionTokens: Int?
    /// Prompt tokens whose evaluation was reused from an earlier request.
    public var cachedTokens: Int?
    /// Seconds spent waiting for the model to become free.
    public var queueTime: Double?
    /// Completion tokens per second while the answer was written.
    public var decodeTokensPerSecond: Double?
    public var model: String?
    /// Parts of the story left out so the prompt fits the model's context window, oldest first.
    public var omittedContext: [String]?
    /// Of the chapters left out, those the model read passages of, and which.
    public var quotedContext: [QuotedChapter]?
    /// Of the chapters left out, those the model read a summary of, in story order.
    public var summarisedContext: [Int]?
    /// Of the chapters left out and not summarised, those whose summary is being written: a
    /// later request reads it.
    public var summariesPending: [Int]?
    /// Of the chapters left out and not summarised, those whose summary could not be written; it
    /// is tried again later.
    public var summariesFailed: [Int]?
    /// Present and true when the answer reached the token limit and was closed after its last
    /// complete suggestion.
    public var truncated: Bool?
    /// Present and true when the token counts are estimates: the model server reported none.
    public var tokenCountsEstimated: Bool?
    /// Of a conversation's turns, how many of the oldest the model did not read (whole or in
    /// part), so that the conversation fits the room kept for it.
    public var omittedTurns: Int?

    public init(
        tokens: Int,
        processingTime: Double,
        promptTokens: Int? = nil,
        completionTokens: Int? = nil,
        cachedTokens: Int? = nil,
        queueTime: Double? = nil,
        decodeTokensPerSecond: Double? = nil,
        model: String? = nil,
        omittedContext: [String]? = nil,
        quotedContext: [QuotedChapter]? = nil,
        summarisedContext: [Int]? = nil,
        summariesPending: [Int]? = nil,
        summariesFailed: [Int]? = nil,
        truncated: Bool? = nil,
        tokenCountsEstimated: Bool? = nil,
        omittedTurns: Int? = nil
    ) {
        self.tokens = tokens
        self.processingTime = processingTime
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.queueTime = queueTime
        self.decodeTokensPerSecond = decodeTokensPerSecond
        self.model = model
        self.omittedContext = omittedContext
        self.quotedContext = quotedContext
        self.summarisedContext = summarisedContext
        self.summariesPending = summariesPending
        self.summariesFailed = summariesFailed
        self.truncated = truncated
        self.tokenCountsEstimated = tokenCountsEstimated
        self.omittedTurns = omittedTurns
    }

    enum CodingKeys: String, CodingKey {
        case tokens
        case processingTime = "processing_time"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case cachedTokens = "cached_tokens"
        case queueTime = "queue_time"
        case decodeTokensPerSecond = "decode_tokens_per_second"
        case model
        case omittedContext = "omitted_context"
        case quotedContext = "quoted_context"
        case summarisedContext = "summarised_context"
        case summariesPending = "summaries_pending"
        case summariesFailed = "summaries_failed"
        case truncated
        case tokenCountsEstimated = "token_counts_estimated"
        case omittedTurns = "omitted_turns"
    }
}

/// A chapter left out of the prompt whole, of which some passages were quoted.
public struct QuotedChapter: Codable, Sendable, Equatable {
    public var chapter: Int
    /// The passages' positions among the chapter's paragraphs (from 1; a long paragraph counts as
    /// several), in story order.
    public var paragraphs: [Int]

    public init(chapter: Int, paragraphs: [Int]) {
        self.chapter = chapter
        self.paragraphs = paragraphs
    }
}
