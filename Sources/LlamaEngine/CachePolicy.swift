import WriterAssistantLLM

/// The decode loop's decisions about slots and their caches, apart from the llama.cpp calls that
/// carry them out: which slot a new request takes, whether it copies a prefix another slot is
/// reading, when that copy can be made, and what idle caches keep. Plain values in, plain
/// decisions out, so each rule is tested without a model.
enum CachePolicy {
    /// What a slot looks like to the policy.
    struct SlotState: Equatable {
        enum Activity: Equatable {
            case idle, awaitingPrefix, readingPrompt, writing
        }

        var activity: Activity
        /// Tokens whose cells are in the cache for this slot, in position order.
        var cachedTokens: [Token]
        /// The prompt of the request it serves; empty when idle.
        var prompt: [Token]
        var lastUsed: ContinuousClock.Instant
        /// Cells it may still add: the rest of its prompt and of its answer.
        var growth = 0
        /// Whose request put its cells there (`GenerationRequest.cachePartition`).
        var partition: String? = nil

        /// The tokens this slot will hold once its prompt is read: what other requests may share.
        var promisedTokens: [Token] { activity == .readingPrompt ? prompt : cachedTokens }
    }

    /// How a request placed in a slot gets the start of its prompt.
    enum Start: Equatable {
        /// Keeps this many tokens of the slot's own cache and reads the rest.
        case reuseOwn(length: Int)
        /// Waits for another slot to have read this many tokens of the same prompt, then shares them.
        case awaitPrefix(source: Int, length: Int)
        /// Loads the story cache's best entry and keeps this many of its tokens.
        case loadSpilled(length: Int)
    }

    struct Placement: Equatable {
        var slot: Int
        var start: Start
    }

    /// Shorter shared prefixes are read again rather than waited for.
    static let minimumPrefixWorthWaitingFor = 32
    /// A spilled prefix must save this many more tokens than the pool offers to be loaded: loading
    /// costs a file read and the whole entry's cells for a moment.
    static let minimumPrefixWorthLoading = 64
    /// Shorter prompts are read again rather than spilled: reading them takes well under a second.
    static let minimumPrefixWorthSpilling = 256

    /// The idle slot whose cache shares the most with the prompt (among equals the least recently
    /// used, whose cache is least likely to be wanted again), and where the prompt's start comes
    /// from, given that the story cache's best entry (of the same partition) shares `spilled`
    /// tokens with it; nil when no slot is idle. Only caches of the request's own `partition`
    /// count as sharing anything: another writer's cells are never reused, so neither the count
    /// of reused tokens nor the time to the first token tells a writer what another has read.
    static func place(_ prompt: [Token], partition: String? = nil, among slots: [SlotState], spilled: Int = 0) -> Placement? {
        let idle = slots.indices.filter { slots[$0].activity == .idle }
        let reusable = { (slot: SlotState, tokens: [Token]) in slot.partition == partition ? shared(tokens, prompt) : 0 }
        guard let chosen = idle.max(by: { a, b in
            let (sharedA, sharedB) = (reusable(slots[a], slots[a].cachedTokens), reusable(slots[b], slots[b].cachedTokens))
            return sharedA != sharedB ? sharedA < sharedB : slots[a].lastUsed > slots[b].lastUsed
        }) else { return nil }
        let own = reusable(slots[chosen], slots[chosen].cachedTokens)
        let source = slots.indices
            .filter { $0 != chosen }
            .map { (index: $0, shared: reusable(slots[$0], slots[$0].promisedTokens)) }
            .max { $0.shared < $1.shared }
        let inPool = max(own, source?.shared ?? 0)
        // Sampling needs the logits of at least one prompt token read here.
        let spilled = min(spilled, prompt.count - 1)
        if spilled >= inPool + minimumPrefixWorthLoading {
            return Placement(slot: chosen, start: .loadSpilled(length: spilled))
        }
        if let source, source.shared >= own + minimumPrefixWorthWaitingFor {
            return Placement(slot: chosen, start: .awaitPrefix(source: source.index, length: source.shared))
        }
        return Placement(slot: chosen, start: .reuseOwn(length: own))
    }

    /// Idle slots to empty, least recently used first, so that `slot`, keeping `keeping` tokens
    /// of its cache, can add `need` cells beside everything the busy slots may still add; nil
    /// when even emptying every idle slot (but the `protected` ones) would not make room. The
    /// ledger says which cells emptying a slot really frees: cells another slot shares stay.
    static func room(
        for need: Int, in slot: Int, keeping: Int, pool: Int, ledger: CellLedger, slots: [SlotState], protected: Set<Int> = []
    ) -> [Int]? {
        var ledger = ledger
        ledger.truncate(slot, to: keeping)
        let growth = slots.reduce(0) { $0 + $1.growth }
        let candidates = slots.indices
            .filter { $0 != slot && slots[$0].activity == .idle && !protected.contains($0) && ledger.length(of: $0) > 0 }
            .sorted { slots[$0].lastUsed < slots[$1].lastUsed }
        var emptied: [Int] = []
        for candidate in [nil] + candidates {
            if let candidate {
                ledger.truncate(candidate, to: 0)
                emptied.append(candidate)
            }
            if ledger.usedCells + growth + need <= pool { return emptied }
        }
        return nil
    }

    /// Tokens of a request's own part (plot point, rater, instructions) after the story it
    /// shares with other requests; the default rater's is about 110.
    static let instructionAllowance = 256

    /// How much of an idle cache about to lose its cells from `keeping` on is worth spilling. When
    /// it differs from another slot's tokens or a spilled entry only by a request's own part (a
    /// panel's raters on one story), only the shared story is spilled, once for all of them;
    /// otherwise all of it. Nil when what would be lost is too short to be worth a file (a
    /// rater's own part, when the next rater of the same story keeps the rest).
    static func spilledLength(of tokens: [Token], keeping: Int, others: [[Token]]) -> Int? {
        let sharedWithOthers = others.map { shared(tokens, $0) }.max() ?? 0
        let length = sharedWithOthers >= minimumPrefixWorthSpilling && tokens.count - sharedWithOthers <= instructionAllowance
            ? sharedWithOthers : tokens.count
        // What stays in the pool needs no file, and a rater's own part alone is not worth one.
        return length - keeping >= minimumPrefixWorthSpilling ? length : nil
    }

    /// For a slot awaiting `wanted` tokens of `prompt` from `source`: nil while they are still
    /// coming, else how many to share now (fewer than wanted when the source gave up on them).
    static func sharedPrefixReady(for prompt: [Token], wanted: Int, from source: SlotState) -> Int? {
        let available = shared(source.cachedTokens, prompt)
        let stillComing = source.activity == .readingPrompt && shared(source.prompt, prompt) >= wanted
        return available < wanted && stillComing ? nil : available
    }

    /// How many tokens each idle cache keeps: idle cells cost every running request attention (and the story cache keeps them),
    /// so an idle slot keeps only the prefix it shares with a running one of its partition (free,
    /// since those cells are shared). Slots that keep all they have are left out; with nothing
    /// running, everything is kept.
    static func idleTrims(among slots: [SlotState]) -> [(slot: Int, keep: Int)] {
        let wanted = slots.filter { $0.activity != .idle }.map { (partition: $0.partition, tokens: $0.activity == .writing ? $0.cachedTokens : $0.prompt) }
        guard !wanted.isEmpty else { return [] }
        return slots.indices.compactMap { index in
            let slot = slots[index]
            guard slot.activity == .idle, !slot.cachedTokens.isEmpty else { return nil }
            let keep = wanted.filter { $0.partition == slot.partition }.map { shared(slot.cachedTokens, $0.tokens) }.max() ?? 0
            return keep < slot.cachedTokens.count ? (index, keep) : nil
        }
    }

    static func shared(_ a: [Token], _ b: [Token]) -> Int {
        a.commonPrefixLength(with: b)
    }
}
