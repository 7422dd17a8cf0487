import CLlama
import Logging
import Synchronization
import WriterAssistantLLM

/// The engine thread's work: continuous batching of several sequences in one llama.cpp context.
///
/// Each step builds one batch from the next token of every sequence that is writing, plus a
/// bounded slice of the prompts being read (so a long new story never stalls the others for
/// seconds), evaluates it, and samples every sequence that produced logits. New requests take a
/// free slot at the next step; finished or cancelled ones free theirs at once.
final class DecodeLoop {
    struct Settings: Sendable {
        /// Tokens one request may hold, prompt and answer together.
        var contextPerSequence: Int
        var parallel: Int
        var threads: Int
        /// Prompt tokens evaluated per step across all slots.
        var promptChunkSize: Int
        var flashAttention: Bool
        /// Cells in the cache pool all sequences share.
        var poolCells: Int
        var keyCacheType: KeyCacheType
        /// Tokens llama.cpp evaluates at once within a batch; its scratch memory grows with it
        /// times the pool's size.
        var microBatchSize: Int
    }

    /// Tests stand in for llama.cpp's verdict on a batch (given its tokens and its sequences) to
    /// fail chosen evaluations; nil, as in production, asks llama.cpp.
    var failureInjection: (@Sendable (_ tokens: [llama_token], _ sequences: [llama_seq_id]) -> Int32?)?

    private let model: LlamaModel
    private let context: OpaquePointer
    private let memory: llama_memory_t
    private var batch: llama_batch
    private let settings: Settings
    /// Cells of the cache pool, as llama.cpp allocated it.
    var poolCells: Int { settings.poolCells }
    private var slots: [Slot]
    /// Which cells each sequence holds, mirrored from the pool for admission.
    private var ledger: CellLedger
    /// A request taken from the queue that waits for cells: the pool cannot hold it beside what
    /// the running requests may still write. Later requests wait behind it.
    private var waitingForRoom: GenerationJob?
    private let storyCache: StoryCache?
    /// Busy slots, published for observers on other threads.
    let activity = EngineActivity()
    private static let logger = Logger(label: "writer-assistant.engine")

    init(model: LlamaModel, settings: Settings, storyCache: StoryCache?) throws(LlamaEngineError) {
        var parameters = llama_context_default_params()
        // One cache pool for all sequences: raters of one story then share the story's cells
        // instead of copying them, and their decode steps attend over those cells together, which
        // decodes a panel much faster than a cache each (docs/engine.md). Every token
        // also attends over the pool's other cells, masked, so idle caches are trimmed to what
        // the running requests share (see `dropUnsharedIdleCaches`).
        parameters.kv_unified = true
        // The pool is sized for what it serves rather than `parallel` whole contexts: the raters
        // of a panel share their story's cells, and admission keeps every request's room.
        parameters.n_ctx = UInt32(settings.poolCells)
        parameters.n_seq_max = UInt32(settings.parallel)
        parameters.n_batch = UInt32(settings.promptChunkSize + settings.parallel)
        parameters.n_ubatch = UInt32(min(settings.microBatchSize, settings.promptChunkSize + settings.parallel))
        parameters.type_k = settings.keyCacheType.ggmlType
        // The default of 4 threads oversubscribes small machines and slows decoding sharply.
        parameters.n_threads = Int32(settings.threads)
        parameters.n_threads_batch = Int32(settings.threads)
        parameters.flash_attn_type = settings.flashAttention ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED
        guard let context = llama_init_from_model(model.pointer, parameters), let memory = llama_get_memory(context) else {
            throw .contextCreationFailed
        }
        self.model = model
        self.context = context
        self.memory = memory
        // llama.cpp rounds the pool up (to 256 cells); admission counts every cell it allocated.
        var settings = settings
        settings.poolCells = max(settings.poolCells, Int(llama_n_ctx(context)))
        self.settings = settings
        self.storyCache = storyCache
        batch = llama_batch_init(Int32(settings.promptChunkSize + settings.parallel), 0, 1)
        slots = (0..<settings.parallel).map { Slot(sequence: llama_seq_id($0)) }
        ledger = CellLedger(sequences: settings.parallel)
    }

    deinit {
        llama_batch_free(batch)
        llama_free(context)
    }

    /// Serves jobs until the queue closes; jobs still running then fail with `engineStopped`, and
    /// the stories in the pool are spilled to the story cache.
    func run(_ queue: JobQueue) {
        while true {
            if slots.allSatisfy(\.isIdle), waitingForRoom == nil {
                guard let job = queue.next() else { return stop() }
                admit(job)
            }
            if let job = waitingForRoom, job.isCancelled || slots.contains(where: \.isIdle) {
                waitingForRoom = nil
                admit(job)
            }
            while waitingForRoom == nil, slots.contains(where: \.isIdle), let job = queue.nextIfAvailable() {
                admit(job)
            }
            if queue.isClosed { return stop() }
            step()
            publishActivity()
        }
    }

    private func stop() {
        waitingForRoom?.finish(throwing: LanguageModelError.engineStopped)
        waitingForRoom = nil
        for slot in slots where !slot.isIdle { release(slot, throwing: LanguageModelError.engineStopped) }
        publishActivity()
        for slot in slots { truncate(slot, to: 0) }
        // The stories just spilled are sealed before the engine reports it has stopped.
        storyCache?.settle()
    }

    private func publishActivity() {
        activity.running.store(slots.count { !$0.isIdle }, ordering: .relaxed)
        activity.waitingForRoom.store(waitingForRoom == nil ? 0 : 1, ordering: .relaxed)
    }

    // MARK: Admission

    private func admit(_ job: GenerationJob) {
        let prompt = job.prompt
        guard !job.isCancelled else { return job.finish() }
        guard !prompt.isEmpty, prompt.count < settings.contextPerSequence else {
            return job.finish(throwing: LanguageModelError.contextOverflow(
                promptTokens: prompt.count, contextLength: settings.contextPerSequence))
        }
        // A spilled entry is loaded whole for a moment, so it must fit a context of this engine.
        var spilled = storyCache?.bestMatch(
            for: prompt, partition: job.request.cachePartition, maximumTokens: settings.contextPerSequence)
        var decision = admission(for: job, spilled: spilled)
        if decision == nil, spilled != nil, slots.allSatisfy(\.isIdle) {
            // Never wait for room that cannot come: read the story instead of loading it.
            spilled = nil
            decision = admission(for: job, spilled: nil)
        }
        guard let (placement, keeping, emptied) = decision else {
            guard slots.allSatisfy(\.isIdle) else {
                waitingForRoom = job
                return publishActivity()
            }
            return job.finish(throwing: LanguageModelError.contextOverflow(promptTokens: prompt.count, contextLength: settings.poolCells))
        }
        let sampler: LlamaSampler
        do {
            sampler = try LlamaSampler(model: model, parameters: job.request.sampling, grammar: job.request.grammar)
        } catch {
            return job.finish(throwing: error)
        }
        // The entry about to be loaded must not be what a save below makes room with.
        if case .loadSpilled = placement.start, let spilled { storyCache?.markUsed(spilled.entry) }
        for index in emptied { truncate(slots[index], to: 0) }
        let slot = slots[placement.slot]
        // While the slot is still idle, so that what it loses is spilled. Sampling needs the
        // logits of at least one prompt token read here.
        truncate(slot, to: min(keeping, prompt.count - 1))
        switch placement.start {
        case .awaitPrefix(let source, let length):
            slot.assign(job, sampler: sampler, phase: .awaitingPrefix(source: source, length: length))
            // Published before the job hears it started, so /health never lags behind it.
            publishActivity()
            startIfPrefixReady(slot)
        case .reuseOwn(let length):
            slot.assign(job, sampler: sampler, phase: .readingPrompt)
            publishActivity()
            keepCachedPrefix(of: slot, length: length)
        case .loadSpilled(let length):
            slot.assign(job, sampler: sampler, phase: .readingPrompt)
            publishActivity()
            if let spilled, loadSpilled(spilled.entry, into: slot, keeping: length) {
                slot.beginReading(reused: slot.cachedTokens.count)
            } else {
                keepCachedPrefix(of: slot, length: 0)
            }
        }
        dropUnsharedIdleCaches()
    }

    /// Where the job goes, what the chosen slot keeps, and which idle slots to empty for room;
    /// nil when the pool cannot hold it beside the running requests now.
    private func admission(
        for job: GenerationJob, spilled: (entry: StoryCacheIndex.Entry, shared: Int)?
    ) -> (placement: CachePolicy.Placement, keeping: Int, emptied: [Int])? {
        let prompt = job.prompt
        guard let placement = CachePolicy.place(
            prompt, partition: job.request.cachePartition, among: policyStates, spilled: spilled?.shared ?? 0)
        else { return nil }
        let answerRoom = answerCells(for: job.request, promptLength: prompt.count)
        let (keeping, need): (Int, Int) =
            switch placement.start {
            case .reuseOwn(let length): (length, prompt.count - length + answerRoom)
            case .awaitPrefix(_, let length): (0, prompt.count - length + answerRoom)
            case .loadSpilled: (0, max(spilled?.entry.tokens.count ?? 0, prompt.count + answerRoom))
            }
        var protected = Set(slots.compactMap { slot -> Int? in
            if case .awaitingPrefix(let source, _) = slot.phase { source } else { nil }
        })
        if case .awaitPrefix(let source, _) = placement.start { protected.insert(source) }
        guard let emptied = CachePolicy.room(
            for: need, in: placement.slot, keeping: keeping, pool: settings.poolCells, ledger: ledger,
            slots: policyStates, protected: protected)
        else { return nil }
        return (placement, keeping, emptied)
    }

    /// Cells an answer to `request` may take: its token limit, within what the context leaves.
    private func answerCells(for request: GenerationRequest, promptLength: Int) -> Int {
        min(request.sampling.maxTokens, settings.contextPerSequence - promptLength) + 1
    }

    private var policyStates: [CachePolicy.SlotState] {
        slots.map { slot in
            var state = slot.policyState
            if let job = slot.job {
                let prompt = job.prompt.count
                let start: Int =
                    if case .awaitingPrefix(let source, let length) = slot.phase {
                        // What the source can still give: less than awaited once it gave up.
                        min(length, CachePolicy.shared(slots[source].policyState.promisedTokens, job.prompt))
                    } else {
                        min(slot.cachedTokens.count, prompt)
                    }
                state.growth = prompt - start + answerCells(for: job.request, promptLength: prompt) - slot.produced
            }
            return state
        }
    }

    /// Trims idle caches to what the running requests share (see `CachePolicy.idleTrims`): a story
    /// no one is working on any more leaves the pool (for the story cache) as soon as another one
    /// is being read.
    private func dropUnsharedIdleCaches() {
        for (index, keep) in CachePolicy.idleTrims(among: slots.map(\.policyState)) {
            truncate(slots[index], to: keep)
        }
    }

    /// Drops the slot's cells from `length` on, spilling what is worth keeping to the story cache
    /// first (see `CachePolicy.spilledLength`).
    private func truncate(_ slot: Slot, to length: Int) {
        guard length < slot.cachedTokens.count else { return }
        if let storyCache, slot.isIdle, storyCache.canSpill {
            // Only the slot's own partition can share with it (see `CachePolicy.place`).
            let others = slots.filter { $0 !== slot && $0.partition == slot.partition }.flatMap { [$0.cachedTokens, $0.prompt] }
                + storyCache.entries(of: slot.partition).map(\.tokens)
            if let spilled = CachePolicy.spilledLength(of: slot.cachedTokens, keeping: length, others: others),
               !storyCache.covers(Array(slot.cachedTokens[..<spilled]), partition: slot.partition) {
                removeCells(of: slot, from: spilled)
                spill(slot, to: storyCache)
            }
        }
        removeCells(of: slot, from: length)
    }

    private func removeCells(of slot: Slot, from position: Int) {
        guard position < slot.cachedTokens.count else { return }
        if !llama_memory_seq_rm(memory, slot.sequence, llama_pos(position), -1) {
            // Only a partial removal of a recurrent state can fail; start the sequence afresh.
            llama_memory_seq_rm(memory, slot.sequence, -1, -1)
            ledger.truncate(Int(slot.sequence), to: 0)
            slot.cachedTokens.removeAll()
            return
        }
        ledger.truncate(Int(slot.sequence), to: position)
        slot.cachedTokens.removeSubrange(position...)
    }

    /// Saves the slot's whole cache as a story cache entry.
    private func spill(_ slot: Slot, to storyCache: StoryCache) {
        storyCache.save(slot.cachedTokens, partition: slot.partition) { path in
            let tokens = slot.cachedTokens
            let written = llama_state_seq_save_file(context, path, slot.sequence, tokens, tokens.count)
            if written == 0 { Self.logger.error("llama.cpp could not save a sequence to spill it", metadata: ["sequence": "\(slot.sequence)"]) }
            return written > 0
        }
    }

    /// Loads a spilled story into the (idle, emptied) slot's sequence and keeps `length` of its
    /// tokens; false when the file or llama.cpp refused it (the entry is then removed).
    private func loadSpilled(_ entry: StoryCacheIndex.Entry, into slot: Slot, keeping length: Int) -> Bool {
        guard let storyCache else { return false }
        removeCells(of: slot, from: 0)
        let loaded = storyCache.load(entry) { path in
            var tokens = [llama_token](repeating: 0, count: entry.tokens.count)
            var count = 0
            let read = llama_state_seq_load_file(context, path, slot.sequence, &tokens, tokens.count, &count)
            guard read > 0, count == entry.tokens.count,
                  llama_memory_seq_pos_min(memory, slot.sequence) == 0,
                  Int(llama_memory_seq_pos_max(memory, slot.sequence)) == count - 1
            else {
                Self.logger.error("llama.cpp refused a spilled story", metadata: ["tokens": "\(entry.tokens.count)"])
                llama_memory_seq_rm(memory, slot.sequence, -1, -1)
                return nil
            }
            return tokens
        }
        guard loaded else { return false }
        ledger.append(entry.tokens.count, to: Int(slot.sequence))
        slot.cachedTokens = entry.tokens
        removeCells(of: slot, from: length)
        return true
    }

    /// Ends the slot's job and keeps its prompt's cache for a later request; the answer's cells
    /// go, since no prompt ever contains a model's answer.
    private func release(_ slot: Slot, throwing error: (any Error)? = nil) {
        let promptLength = min(slot.prompt.count, slot.cachedTokens.count)
        slot.release(throwing: error)
        removeCells(of: slot, from: promptLength)
    }

    /// Copies the awaited prefix from its source once the source has evaluated it (or gave up).
    private func startIfPrefixReady(_ slot: Slot) {
        guard case .awaitingPrefix(let sourceIndex, let wanted) = slot.phase else { return }
        let source = slots[sourceIndex]
        guard let available = CachePolicy.sharedPrefixReady(for: slot.prompt, wanted: wanted, from: source.policyState) else {
            return
        }

        let length = min(available, slot.prompt.count - 1)
        // In the unified pool a copy only tags the source's cells with this sequence too.
        removeCells(of: slot, from: 0)
        if length > 0 {
            llama_memory_seq_cp(memory, source.sequence, slot.sequence, 0, llama_pos(length))
            ledger.copyPrefix(from: Int(source.sequence), to: Int(slot.sequence), length: length)
        }
        slot.cachedTokens = Array(slot.prompt[..<length])
        slot.beginReading(reused: length)
    }

    private func keepCachedPrefix(of slot: Slot, length: Int) {
        // Sampling needs the logits of at least one evaluated prompt token.
        removeCells(of: slot, from: min(length, slot.prompt.count - 1))
        slot.beginReading(reused: slot.cachedTokens.count)
    }

    // MARK: Steps

    /// One slot's share of a step: the token it just wrote, or the next slice of its prompt.
    private struct Work {
        enum Kind {
            case answerToken(llama_token)
            case promptTokens(count: Int)
        }

        let slot: Slot
        let kind: Kind
    }

    private func step() {
        for slot in slots where !slot.isIdle && slot.job?.isCancelled == true {
            release(slot)
        }
        for slot in slots { startIfPrefixReady(slot) }

        var work: [Work] = []
        for slot in slots where slot.isWriting {
            guard let token = slot.pendingToken else { continue }
            work.append(Work(slot: slot, kind: .answerToken(token)))
        }
        var budget = settings.promptChunkSize
        for slot in slots.filter(\.isReadingPrompt).sorted(by: { $0.admitted < $1.admitted }) where budget > 0 {
            let count = min(slot.prompt.count - slot.cachedTokens.count, budget)
            work.append(Work(slot: slot, kind: .promptTokens(count: count)))
            budget -= count
        }
        guard !work.isEmpty else { return }

        if let outputs = evaluate(work) {
            complete(work, outputs: outputs)
        } else if work.count > 1 {
            // One sequence's fault (a token the model rejects, no cells left for its slice) must
            // not fail the others: each is evaluated alone, and only those that fail alone fail.
            for part in work where !part.slot.isIdle {
                if let outputs = evaluate([part]) { complete([part], outputs: outputs) }
            }
        }
        assertCacheInStep()
    }

    /// Evaluates the work in one batch; the batch index of each part's logits, if it wants them.
    /// On failure the cells the batch may have written are removed, and a lone part's job fails.
    private func evaluate(_ work: [Work]) -> [Int32?]? {
        batch.n_tokens = 0
        var outputs: [Int32?] = []
        for part in work {
            let slot = part.slot
            switch part.kind {
            case .answerToken(let token):
                add(token, position: slot.cachedTokens.count, sequence: slot.sequence, logits: true)
                outputs.append(batch.n_tokens - 1)
            case .promptTokens(let count):
                let start = slot.cachedTokens.count
                for position in start..<(start + count) {
                    add(slot.prompt[position], position: position, sequence: slot.sequence, logits: position == slot.prompt.count - 1)
                }
                outputs.append(start + count == slot.prompt.count ? batch.n_tokens - 1 : nil)
            }
        }
        let status = failureInjection?(Array(UnsafeBufferPointer(start: batch.token, count: Int(batch.n_tokens))), work.map(\.slot.sequence))
            ?? llama_decode(context, batch)
        guard status != 0 else { return outputs }
        Self.logger.error("llama.cpp could not evaluate a batch", metadata: [
            "status": "\(status)", "sequences": "\(work.map(\.slot.sequence))", "tokens": "\(batch.n_tokens)",
        ])
        for part in work {
            llama_memory_seq_rm(memory, part.slot.sequence, llama_pos(part.slot.cachedTokens.count), -1)
        }
        if work.count == 1, let slot = work.first?.slot {
            // Its cache may hold cells the bookkeeping does not know of: start it afresh.
            llama_memory_seq_rm(memory, slot.sequence, -1, -1)
            ledger.truncate(Int(slot.sequence), to: 0)
            slot.cachedTokens.removeAll()
            release(slot, throwing: LanguageModelError.evaluationFailed(status: status))
        }
        return nil
    }

    /// Records what an evaluation added to each slot's cache, then samples the slots it gave
    /// logits for (before the next evaluation overwrites them).
    private func complete(_ work: [Work], outputs: [Int32?]) {
        for part in work {
            let slot = part.slot
            switch part.kind {
            case .answerToken(let token):
                slot.cachedTokens.append(token)
                ledger.append(1, to: Int(slot.sequence))
            case .promptTokens(let count):
                ledger.append(count, to: Int(slot.sequence))
                slot.cachedTokens.append(contentsOf: slot.prompt[slot.cachedTokens.count..<(slot.cachedTokens.count + count)])
                slot.job?.send(.promptEvaluationProgress(evaluated: slot.cachedTokens.count, total: slot.prompt.count))
                if slot.cachedTokens.count == slot.prompt.count { slot.beginWriting() }
            }
        }
        for (part, output) in zip(work, outputs) {
            if let output { sample(part.slot, at: output) }
        }
    }

    /// Debug builds check after every step that each sequence's cells are exactly the positions
    /// its slot believes it holds: a drift would silently corrupt every later answer.
    private func assertCacheInStep() {
        #if DEBUG
        assert(ledger.usedCells <= settings.poolCells, "the ledger counts \(ledger.usedCells) cells in a pool of \(settings.poolCells)")
        for slot in slots {
            assert(ledger.length(of: Int(slot.sequence)) == slot.cachedTokens.count, "the ledger lost track of sequence \(slot.sequence)")
            let last = llama_memory_seq_pos_max(memory, slot.sequence)
            assert(Int(last) == slot.cachedTokens.count - 1,
                   "sequence \(slot.sequence) holds positions up to \(last), its slot believes \(slot.cachedTokens.count)")
            // A sliding-window cache forgets its oldest cells by design.
            if !slot.cachedTokens.isEmpty, llama_model_n_swa(model.pointer) == 0 {
                assert(llama_memory_seq_pos_min(memory, slot.sequence) == 0, "sequence \(slot.sequence) lost its first cells")
            }
        }
        #endif
    }

    private func add(_ token: llama_token, position: Int, sequence: llama_seq_id, logits: Bool) {
        let index = Int(batch.n_tokens)
        batch.token[index] = token
        batch.pos[index] = llama_pos(position)
        batch.n_seq_id[index] = 1
        batch.seq_id[index]?[0] = sequence
        batch.logits[index] = logits ? 1 : 0
        batch.n_tokens += 1
    }

    private func sample(_ slot: Slot, at index: Int32) {
        guard let job = slot.job, let sampler = slot.sampler else { return }
        if slot.produced == 0, let capture = job.firstLogits, let logits = llama_get_logits_ith(context, index) {
            capture.record(Array(UnsafeBufferPointer(start: logits, count: model.vocabularySize)))
        }
        let tokensLeft = min(job.request.sampling.maxTokens - slot.produced, settings.contextPerSequence - slot.cachedTokens.count - 1)
        let requirement = slot.guide?.requirement(tokensLeft: tokensLeft) ?? .free
        if requirement == .end { return finish(slot, reason: .endOfGeneration) }
        // A prose answer shorter than its minimum may not end yet, nor open a turn of its own; a
        // shaped one ends where its grammar does, which holding back the end would turn into a
        // failure.
        if slot.produced < job.request.sampling.minTokens, job.request.grammar == nil,
           let logits = llama_get_logits_ith(context, index) {
            for end in model.endingTokens { logits[Int(end)] = -Float.infinity }
        }
        let token = sampler.sample(context: context, index: index, requirement: requirement)
        guard token != LLAMA_TOKEN_NULL else {
            return release(slot, throwing: LanguageModelError.evaluationFailed(status: -1))
        }
        if model.isEndOfGeneration(token) {
            return finish(slot, reason: .endOfGeneration)
        }
        slot.produced += 1
        let piece = model.piece(of: token)
        slot.guide?.observe(piece)
        if let text = slot.text.append(piece, at: .now) { job.send(.text(text)) }
        slot.pendingToken = token
        if slot.produced >= job.request.sampling.maxTokens || slot.cachedTokens.count + 1 >= settings.contextPerSequence {
            finish(slot, reason: .maxTokens)
        }
    }

    private func finish(_ slot: Slot, reason: GenerationSummary.StopReason) {
        guard let job = slot.job else { return }
        let rest = slot.text.flush()
        if !rest.isEmpty { job.send(.text(rest)) }
        let now = ContinuousClock.now
        job.send(.finished(GenerationSummary(
            promptTokens: job.prompt.count,
            reusedPromptTokens: slot.reusedTokens,
            completionTokens: slot.produced,
            stopReason: reason,
            queueSeconds: (slot.admitted - job.submitted).inSeconds,
            promptEvaluationSeconds: (slot.promptEvaluated - slot.admitted).inSeconds,
            generationSeconds: (now - slot.promptEvaluated).inSeconds)))
        release(slot)
    }
}
