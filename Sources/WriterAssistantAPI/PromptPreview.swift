/// What `POST /api/v1/<operation>/preview` answers: the prompt an operation's request would give
/// the model, part by part, generating nothing. A writer sees from it what the model reads of the
/// story and what had to be left out to fit the budget.
public struct PromptPreview: Codable, Sendable, Equatable {
    /// Tokens the whole prompt takes, the chat template included.
    public var promptTokens: Int
    /// Tokens the prompt may take: the model's context window less the answer's budget.
    public var budget: Int
    /// The model the prompt was measured with.
    public var model: String
    /// Present and true when the counts are estimates (a model server that cannot count).
    public var tokenCountsEstimated: Bool?
    /// Every part of the prompt in the order the model reads it, with the parts left out where
    /// they would have been.
    public var sections: [Section]
    /// Chapters left out whose summary is being written, as `context_metadata` names them.
    public var summariesPending: [Int]?
    /// Chapters left out whose summary could not be written (it is tried again later).
    public var summariesFailed: [Int]?

    public init(
        promptTokens: Int, budget: Int, model: String, tokenCountsEstimated: Bool? = nil, sections: [Section],
        summariesPending: [Int]? = nil, summariesFailed: [Int]? = nil
    ) {
        self.promptTokens = promptTokens
        self.budget = budget
        self.model = model
        self.tokenCountsEstimated = tokenCountsEstimated
        self.sections = sections
        self.summariesPending = summariesPending
        self.summariesFailed = summariesFailed
    }

    public struct Section: Codable, Sendable, Equatable {
        public var kind: Kind
        /// The chapter's number, for a chapter.
        public var chapter: Int?
        public var treatment: Treatment
        /// Tokens the section's text takes on its own (without the chat template); for a section
        /// left out, what it would have taken.
        public var tokens: Int
        /// The text as the model reads it; absent for a section left out.
        public var text: String?

        public init(kind: Kind, chapter: Int? = nil, treatment: Treatment, tokens: Int, text: String?) {
            self.kind = kind
            self.chapter = chapter
            self.treatment = treatment
            self.tokens = tokens
            self.text = text
        }
    }

    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The system message every operation opens with: the writer's system prompts.
        case preamble
        case worldbuilding
        case characters
        case chapter
        case storySummary = "story_summary"
        case plotOutline = "plot_outline"
        /// The operation's own material: the plot point, the chapter to review, the rater's prompt.
        case request
        /// What to write and in what shape, and the writer's closing words.
        case instructions
    }

    /// More may come; a client should show a value it does not know as it is.
    public enum Treatment: String, Codable, Sendable, CaseIterable {
        /// Read as written.
        case whole
        /// Left out whole and read as a summary the model wrote of it, in the chapter's place.
        case summary
        /// Some of its passages are quoted, verbatim, where the chapters read whole end.
        case quoted
        /// Left out to fit the budget.
        case omitted
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case budget, model
        case tokenCountsEstimated = "token_counts_estimated"
        case sections
        case summariesPending = "summaries_pending"
        case summariesFailed = "summaries_failed"
    }
}
