import CLlama
import WriterAssistantLLM

/// One llama.cpp sequence: the generation it serves, if any, and the tokens its cache holds.
///
/// An idle slot keeps its cache, so a later request that starts with the same tokens (the same
/// story for another rater) skips evaluating them.
final class Slot {
    enum Phase {
        case idle
        /// Waiting for another slot to evaluate a prefix this one will copy.
        case awaitingPrefix(source: Int, length: Int)
        case readingPrompt
        case writing
    }

    static let textDeliveryInterval = Duration.milliseconds(50)

    let sequence: llama_seq_id
    private(set) var phase: Phase = .idle
    /// Tokens whose keys and values are in the cache for this sequence, in position order.
    var cachedTokens: [llama_token] = []
    /// Whose request's cells the cache holds (`GenerationRequest.cachePartition`): a request of
    /// another partition never reuses them.
    private(set) var partition: String?
    /// When the slot last served a request, to pick which idle cache to overwrite.
    private(set) var lastUsed = ContinuousClock.now

    private(set) var job: GenerationJob?
    private(set) var sampler: LlamaSampler?
    /// The job's own copy of its output guide, told every token this slot writes.
    var guide: (any OutputGuide)?
    var text = PacedText(interval: Slot.textDeliveryInterval)
    /// The sampled token that still has to be fed back to the model.
    var pendingToken: llama_token?
    var produced = 0
    var reusedTokens = 0
    private(set) var admitted = ContinuousClock.now
    var promptEvaluated = ContinuousClock.now

    init(sequence: llama_seq_id) {
        self.sequence = sequence
    }

    var prompt: [llama_token] { job?.prompt ?? [] }
    var isIdle: Bool { if case .idle = phase { true } else { false } }
    var isReadingPrompt: Bool { if case .readingPrompt = phase { true } else { false } }
    var isWriting: Bool { if case .writing = phase { true } else { false } }
    /// What the cache policy decides from.
    var policyState: CachePolicy.SlotState {
        let activity: CachePolicy.SlotState.Activity =
            switch phase {
            case .idle: .idle
            case .awaitingPrefix: .awaitingPrefix
            case .readingPrompt: .readingPrompt
            case .writing: .writing
            }
        return CachePolicy.SlotState(
            activity: activity, cachedTokens: cachedTokens, prompt: prompt, lastUsed: lastUsed, partition: partition)
    }

    func assign(_ job: GenerationJob, sampler: LlamaSampler, phase: Phase) {
        self.job = job
        self.sampler = sampler
        self.phase = phase
        partition = job.request.cachePartition
        guide = job.request.guide
        text = PacedText(interval: Slot.textDeliveryInterval)
        pendingToken = nil
        produced = 0
        reusedTokens = 0
        admitted = .now
    }

    func beginReading(reused: Int) {
        reusedTokens = reused
        phase = .readingPrompt
        job?.send(.promptEvaluationStarted(promptTokens: prompt.count, reusedTokens: reused))
    }

    func beginWriting() {
        phase = .writing
        promptEvaluated = .now
    }

    /// Ends the current job (successfully or not) and keeps the cache for reuse.
    func release(throwing error: (any Error)? = nil) {
        job?.finish(throwing: error)
        job = nil
        sampler = nil
        guide = nil
        pendingToken = nil
        phase = .idle
        lastUsed = .now
    }
}

extension Array where Element == llama_token {
    func commonPrefixLength(with other: [llama_token]) -> Int {
        zip(self, other).prefix { $0 == $1 }.count
    }
}
