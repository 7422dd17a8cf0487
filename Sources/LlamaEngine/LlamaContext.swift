import CLlama
import WriterAssistantLLM

/// One evaluation context and the tokens its cache holds. Used by the engine thread only.
final class LlamaContext {
    struct Settings: Sendable {
        var contextSize: Int
        var threads: Int
        /// Prompt tokens evaluated per step: the granularity of progress and of cancellation
        /// while a long prompt is read.
        var promptChunkSize: Int
    }

    private let model: LlamaModel
    private let context: OpaquePointer
    private var batch: llama_batch
    private let chunkSize: Int
    /// The tokens whose keys and values sit in the cache, in order; a new prompt that starts with
    /// some of them skips evaluating those.
    private var cachedTokens: [llama_token] = []

    let contextLength: Int

    init(model: LlamaModel, settings: Settings) throws(LlamaEngineError) {
        var parameters = llama_context_default_params()
        parameters.n_ctx = UInt32(settings.contextSize)
        parameters.n_batch = UInt32(settings.promptChunkSize)
        parameters.n_ubatch = UInt32(settings.promptChunkSize)
        parameters.n_seq_max = 1
        // The default of 4 threads oversubscribes small machines and slows decoding sharply.
        parameters.n_threads = Int32(settings.threads)
        parameters.n_threads_batch = Int32(settings.threads)
        guard let context = llama_init_from_model(model.pointer, parameters) else {
            throw .contextCreationFailed
        }
        self.model = model
        self.context = context
        chunkSize = settings.promptChunkSize
        contextLength = Int(llama_n_ctx(context))
        batch = llama_batch_init(Int32(settings.promptChunkSize), 0, 1)
    }

    deinit {
        llama_batch_free(batch)
        llama_free(context)
    }

    func run(_ job: GenerationJob) {
        guard !job.isCancelled else { return job.finish() }
        let request = job.request
        let prompt = request.prompt
        let started = ContinuousClock.now
        guard !prompt.isEmpty, prompt.count < contextLength else {
            return job.finish(throwing: LanguageModelError.contextOverflow(
                promptTokens: prompt.count, contextLength: contextLength))
        }
        do {
            let sampler = try LlamaSampler(model: model, parameters: request.sampling, grammar: request.grammar)
            let reused = reuseCachedPrefix(of: prompt)
            job.send(.promptEvaluationStarted(promptTokens: prompt.count, reusedTokens: reused))
            guard try evaluatePrompt(prompt, from: reused, for: job) else { return job.finish() }
            let evaluated = ContinuousClock.now
            guard let (produced, stopReason) = try writeAnswer(with: sampler, for: job) else { return job.finish() }
            let finished = ContinuousClock.now
            job.send(.finished(GenerationSummary(
                promptTokens: prompt.count,
                reusedPromptTokens: reused,
                completionTokens: produced,
                stopReason: stopReason,
                queueSeconds: (started - job.submitted).inSeconds,
                promptEvaluationSeconds: (evaluated - started).inSeconds,
                generationSeconds: (finished - evaluated).inSeconds)))
            job.finish()
        } catch {
            job.finish(throwing: error)
        }
    }

    /// Drops whatever follows the longest cached prefix of `prompt` and returns its length. At least
    /// one prompt token is always left to evaluate, because sampling needs its logits.
    private func reuseCachedPrefix(of prompt: [llama_token]) -> Int {
        var shared = zip(cachedTokens, prompt).prefix { $0 == $1 }.count
        shared = min(shared, prompt.count - 1)
        if llama_memory_seq_rm(llama_get_memory(context), 0, Int32(shared), -1) {
            cachedTokens.removeSubrange(shared...)
        } else {
            llama_memory_clear(llama_get_memory(context), true)
            cachedTokens.removeAll()
            shared = 0
        }
        return shared
    }

    /// Evaluates the prompt from `start` in chunks; false when the job was cancelled meanwhile.
    private func evaluatePrompt(_ prompt: [llama_token], from start: Int, for job: GenerationJob) throws -> Bool {
        var position = start
        while position < prompt.count {
            if job.isCancelled { return false }
            let end = min(position + chunkSize, prompt.count)
            try decode(prompt[position..<end], wantLogitsForLast: end == prompt.count)
            position = end
            job.send(.promptEvaluationProgress(evaluated: position, total: prompt.count))
        }
        return true
    }

    /// Samples until the end of the answer; nil when the job was cancelled meanwhile.
    private func writeAnswer(
        with sampler: LlamaSampler, for job: GenerationJob
    ) throws -> (produced: Int, stopReason: GenerationSummary.StopReason)? {
        var text = UTF8Assembler()
        var produced = 0
        while produced < job.request.sampling.maxTokens, cachedTokens.count < contextLength {
            if job.isCancelled { return nil }
            let token = sampler.sample(context: context, index: -1)
            guard token != LLAMA_TOKEN_NULL else { throw LanguageModelError.evaluationFailed(status: -1) }
            if model.isEndOfGeneration(token) {
                let rest = text.flush()
                if !rest.isEmpty { job.send(.text(rest)) }
                return (produced, .endOfGeneration)
            }
            produced += 1
            let piece = text.append(model.piece(of: token))
            if !piece.isEmpty { job.send(.text(piece)) }
            try decode([token], wantLogitsForLast: true)
        }
        let rest = text.flush()
        if !rest.isEmpty { job.send(.text(rest)) }
        return (produced, .maxTokens)
    }

    private func decode(_ tokens: some Collection<llama_token>, wantLogitsForLast: Bool) throws {
        let first = cachedTokens.count
        batch.n_tokens = 0
        for (offset, token) in tokens.enumerated() {
            let slot = Int(batch.n_tokens)
            batch.token[slot] = token
            batch.pos[slot] = llama_pos(first + offset)
            batch.n_seq_id[slot] = 1
            batch.seq_id[slot]?[0] = 0
            batch.logits[slot] = (wantLogitsForLast && offset == tokens.count - 1) ? 1 : 0
            batch.n_tokens += 1
        }
        let status = llama_decode(context, batch)
        guard status == 0 else {
            // A failed decode leaves the cache in an unknown state; start the next job afresh.
            llama_memory_clear(llama_get_memory(context), true)
            cachedTokens.removeAll()
            throw LanguageModelError.evaluationFailed(status: status)
        }
        cachedTokens.append(contentsOf: tokens)
    }
}
