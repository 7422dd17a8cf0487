/// One answer to generate: the prompt as its engine prepared it, how to sample, and for a
/// structured answer its shape and a guide that keeps it within its token budget.
public struct GenerationRequest: Sendable {
    public var prompt: PreparedPrompt
    /// `maxTokens` is the answer's token budget.
    public var sampling: SamplingParameters
    /// The shape the answer must take, or nil for free text.
    public var constraint: AnswerConstraint?
    /// Keeps a structured answer inside `sampling.maxTokens` by saying when to close what is open;
    /// engines that cannot steer token by token ignore it and report `maxTokens` instead.
    public var guide: (any OutputGuide)?
    /// What identifies the story the prompt reads, the same for every request on it (every rater,
    /// later sessions): engines that spread work over several servers keep requests with equal
    /// affinity on one, where the story is cached. Nil leaves the choice to the engine.
    public var affinity: String?
    /// Whose cache the request may use: requests of different partitions (different writers)
    /// never share cached prefixes, in memory, on disk or in routing, so that what one reads
    /// (`cachedTokens`, the time to the first token) says nothing of another's text. Nil is a
    /// partition of its own, for callers with one user.
    public var cachePartition: String?

    public init(
        prompt: PreparedPrompt, sampling: SamplingParameters, constraint: AnswerConstraint? = nil,
        guide: (any OutputGuide)? = nil, affinity: String? = nil, cachePartition: String? = nil
    ) {
        self.prompt = prompt
        self.sampling = sampling
        self.constraint = constraint
        self.guide = guide
        self.affinity = affinity
        self.cachePartition = cachePartition
    }

    /// A request for a local engine: the prompt already in its tokens, the answer's shape as a
    /// grammar.
    public init(
        prompt tokens: [Token], sampling: SamplingParameters, grammar: String? = nil, guide: (any OutputGuide)? = nil,
        cachePartition: String? = nil
    ) {
        self.init(
            prompt: PreparedPrompt(tokens: tokens), sampling: sampling,
            constraint: grammar.map { AnswerConstraint(grammar: $0) }, guide: guide, cachePartition: cachePartition)
    }

    /// The answer's grammar, for engines that take one.
    public var grammar: String? { constraint?.grammar }
}

public struct SamplingParameters: Sendable, Equatable {
    /// 0 selects greedy decoding.
    public var temperature: Double
    /// Only the k likeliest tokens are drawn from; 0 draws from all.
    public var topK: Int
    public var topP: Double
    /// Tokens less likely than this share of the likeliest one are never drawn; 0 turns it off.
    public var minP: Double
    public var maxTokens: Int
    /// The answer may not end before this many tokens: the model's end-of-generation tokens are
    /// held back until then (a chapter asked for 400 words is not ended at 100). Answers with a
    /// shape end where their shape does, so engines ignore it for them; engines whose servers
    /// take no such setting ignore it too.
    public var minTokens: Int
    /// Fixes the random sequence so that runs can be repeated; nil draws a fresh seed.
    public var seed: UInt32?
    /// Penalties that keep an answer from looping, applied to greedy and sampled decoding alike.
    public var repetition: RepetitionControl

    public init(
        temperature: Double = 0.7, topK: Int = 40, topP: Double = 0.9, minP: Double = 0.05, maxTokens: Int = 600,
        minTokens: Int = 0, seed: UInt32? = nil, repetition: RepetitionControl = RepetitionControl()
    ) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.maxTokens = maxTokens
        self.minTokens = minTokens
        self.seed = seed
        self.repetition = repetition
    }

    /// The rater defaults: the original service's temperature and nucleus, with repetition control
    /// tuned on the quality evaluation (see QUALITY.md).
    public static let raterDefaults = SamplingParameters()
}

/// Repetition control over the answer written so far (never the prompt, whose names an answer
/// should repeat): llama.cpp's repetition, frequency and presence penalties over a window, and DRY,
/// which penalizes the token that would extend a sequence already written.
public struct RepetitionControl: Sendable, Hashable {
    /// Divides the logit of a token used in the last `penaltyWindow` tokens; 1 turns it off.
    public var repeatPenalty: Double
    /// Subtracted once per earlier use of a token in the window; 0 turns it off.
    public var frequencyPenalty: Double
    /// Subtracted once from any token used in the window; 0 turns it off.
    public var presencePenalty: Double
    /// Answer tokens the three penalties look back over.
    public var penaltyWindow: Int
    /// DRY strength; 0 turns DRY off.
    public var dryMultiplier: Double
    /// How fast the DRY penalty grows with the length of the repeated sequence.
    public var dryBase: Double
    /// Repeated sequences up to this many tokens go unpenalized.
    public var dryAllowedLength: Int
    /// Answer tokens DRY looks back over; 0 turns DRY off.
    public var dryWindow: Int

    public init(
        repeatPenalty: Double = 1.1, frequencyPenalty: Double = 0, presencePenalty: Double = 0, penaltyWindow: Int = 64,
        dryMultiplier: Double = 0.8, dryBase: Double = 1.75, dryAllowedLength: Int = 2, dryWindow: Int = 1024
    ) {
        self.repeatPenalty = repeatPenalty
        self.frequencyPenalty = frequencyPenalty
        self.presencePenalty = presencePenalty
        self.penaltyWindow = penaltyWindow
        self.dryMultiplier = dryMultiplier
        self.dryBase = dryBase
        self.dryAllowedLength = dryAllowedLength
        self.dryWindow = dryWindow
    }

    /// No repetition control at all: the server's sampling before it had any.
    public static let off = RepetitionControl(repeatPenalty: 1, dryMultiplier: 0)

    public var penalizes: Bool {
        (repeatPenalty != 1 || frequencyPenalty != 0 || presencePenalty != 0) && penaltyWindow != 0
    }

    public var usesDRY: Bool { dryMultiplier > 0 && dryBase >= 1 && dryWindow > 0 }
}
