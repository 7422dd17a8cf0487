import CLlama
import WriterAssistantLLM

/// Chooses each next token: repetition control, top-k, top-p, min-p, temperature and a seeded draw
/// (or greedy), optionally held to a grammar, with llama.cpp's own samplers.
///
/// The repetition samplers (penalties and DRY) see the whole vocabulary first, as at the head of
/// a full chain; they only change the few tokens the answer already used. The grammar is then
/// checked against the chosen token first, since most tokens a model picks are already valid.
/// When it rejects that token, it is tried on the likeliest tokens next and on the whole
/// vocabulary only if too few of those pass: a full pass costs more than a decode step.
final class LlamaSampler {
    /// How many of the likeliest tokens the grammar is tried on before the whole vocabulary.
    static let defaultShortlistLength = 128
    /// llama.cpp's grammar check allocates per candidate it is given (the token's characters,
    /// and a list of rejects per grammar stack), which over the whole vocabulary at once is a
    /// large allocation at a go (BENCHMARKS.md, section 6). Tokens are judged independently, so
    /// the vocabulary is checked a slice at a time, with the same result.
    static let grammarSliceLength = 1024

    private let model: LlamaModel
    private let chain: UnsafeMutablePointer<llama_sampler>
    /// Penalties and DRY, applied to the whole vocabulary before anything narrows it.
    private let repetition: UnsafeMutablePointer<llama_sampler>?
    private let grammar: UnsafeMutablePointer<llama_sampler>?
    private let shortlistLength: Int
    /// Tokens the chain keeps before it chooses, when it bounds them (greedy: 1, top-k: k).
    private let keeps: Int?
    private let greedy: Bool
    private var candidates: [llama_token_data]

    /// `shortlistLength` 0 applies the grammar to the whole vocabulary at once.
    init(
        model: LlamaModel, parameters: SamplingParameters, grammar grammarText: String?,
        shortlistLength: Int = LlamaSampler.defaultShortlistLength
    ) throws(LanguageModelError) {
        var grammar: UnsafeMutablePointer<llama_sampler>?
        if let grammarText {
            guard let compiled = llama_sampler_init_grammar(model.vocab, grammarText, "root") else {
                throw .invalidGrammar
            }
            grammar = compiled
        }
        guard let chain = llama_sampler_chain_init(llama_sampler_chain_default_params()) else {
            if let grammar { llama_sampler_free(grammar) }
            throw .invalidGrammar
        }
        let control = parameters.repetition
        if control.penalizes || control.usesDRY, let repetition = llama_sampler_chain_init(llama_sampler_chain_default_params()) {
            if control.penalizes {
                llama_sampler_chain_add(repetition, llama_sampler_init_penalties(
                    Int32(clamping: model.vocabularySize), Int32(clamping: control.penaltyWindow),
                    Float(control.repeatPenalty), Float(control.frequencyPenalty), Float(control.presencePenalty)))
            }
            if control.usesDRY, let dry = model.drySampler(for: control) {
                llama_sampler_chain_add(repetition, dry)
            }
            self.repetition = repetition
        } else {
            self.repetition = nil
        }
        if parameters.temperature <= 0 {
            llama_sampler_chain_add(chain, llama_sampler_init_greedy())
            keeps = 1
        } else {
            // Top-k first also spares the others a softmax and sort over the whole vocabulary.
            if parameters.topK > 0 { llama_sampler_chain_add(chain, llama_sampler_init_top_k(Int32(clamping: parameters.topK))) }
            keeps = parameters.topK > 0 ? parameters.topK : nil
            llama_sampler_chain_add(chain, llama_sampler_init_top_p(Float(parameters.topP), 1))
            if parameters.minP > 0 { llama_sampler_chain_add(chain, llama_sampler_init_min_p(Float(parameters.minP), 1)) }
            llama_sampler_chain_add(chain, llama_sampler_init_temp(Float(parameters.temperature)))
            llama_sampler_chain_add(chain, llama_sampler_init_dist(parameters.seed ?? LLAMA_DEFAULT_SEED))
        }
        self.model = model
        self.chain = chain
        self.grammar = grammar
        self.shortlistLength = shortlistLength
        greedy = parameters.temperature <= 0
        candidates = [llama_token_data](repeating: llama_token_data(), count: model.vocabularySize)
    }

    deinit {
        llama_sampler_free(chain)
        if let repetition { llama_sampler_free(repetition) }
        if let grammar { llama_sampler_free(grammar) }
    }

    /// Samples from the logits of output `index` of the last evaluated batch and records the
    /// choice in every sampler's state.
    func sample(context: OpaquePointer, index: Int32, requirement: OutputRequirement = .free) -> llama_token {
        guard let logits = llama_get_logits_ith(context, index) else { return LLAMA_TOKEN_NULL }
        return sample(logits: logits, requirement: requirement)
    }

    /// Samples from one vocabulary-sized row of logits. A requirement the grammar cannot meet at
    /// this point (a string still shorter than its minimum) is ignored for this token.
    func sample(logits: UnsafeMutablePointer<Float>, requirement: OutputRequirement = .free) -> llama_token {
        var token = LLAMA_TOKEN_NULL
        if case .startsWith(let first, let rest) = requirement {
            let tokens = model.tokens(startingWith: first).filter { token in
                rest.map { rest in model.piece(of: token).dropFirst().allSatisfy(rest.contains) } ?? true
            }
            token = likeliestAllowed(among: tokens, logits: logits)
        }
        if case .noLineOpening(let byte, let atLineStart) = requirement {
            for opener in model.tokens(openingLinesWith: byte, atLineStart: atLineStart) { logits[Int(opener)] = -Float.infinity }
        }
        if token == LLAMA_TOKEN_NULL {
            token = choose(from: logits, constrained: false)
            guard token != LLAMA_TOKEN_NULL else { return token }
            if let grammar, !grammarAllows(token, grammar) {
                token = choose(from: logits, constrained: true)
                guard token != LLAMA_TOKEN_NULL else { return token }
            }
        }
        if let grammar { llama_sampler_accept(grammar, token) }
        llama_sampler_accept(chain, token)
        if let repetition { llama_sampler_accept(repetition, token) }
        return token
    }

    /// The likeliest of `tokens` that the grammar allows: a structural token chosen to close the
    /// answer in time is not left to chance.
    private func likeliestAllowed(among tokens: [llama_token], logits: UnsafeMutablePointer<Float>) -> llama_token {
        guard !tokens.isEmpty else { return LLAMA_TOKEN_NULL }
        var allowed = tokens.map { llama_token_data(id: $0, logit: logits[Int($0)], p: 0) }
        return allowed.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return LLAMA_TOKEN_NULL }
            if let grammar {
                var array = llama_token_data_array(data: base, size: buffer.count, selected: -1, sorted: false)
                llama_sampler_apply(grammar, &array)
            }
            guard let best = buffer.indices.max(by: { buffer[$0].logit < buffer[$1].logit }),
                  buffer[best].logit != -Float.infinity else { return LLAMA_TOKEN_NULL }
            return buffer[best].id
        }
    }

    private func choose(from logits: UnsafeMutablePointer<Float>, constrained: Bool) -> llama_token {
        if greedy && !constrained && repetition == nil {
            // The arg-max needs no candidate list, which costs more than the search itself.
            var best = 0
            for index in 1..<candidates.count where logits[index] > logits[best] { best = index }
            return llama_token(best)
        }
        return candidates.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return LLAMA_TOKEN_NULL }
            for index in buffer.indices {
                buffer[index] = llama_token_data(id: llama_token(index), logit: logits[index], p: 0)
            }
            var array = llama_token_data_array(data: base, size: buffer.count, selected: -1, sorted: false)
            if let repetition { llama_sampler_apply(repetition, &array) }
            if constrained, let grammar { constrain(&array, to: grammar) }
            llama_sampler_apply(chain, &array)
            guard array.selected >= 0, array.selected < array.size else { return LLAMA_TOKEN_NULL }
            return array.data[Int(array.selected)].id
        }
    }

    /// Leaves the grammar's choices in `array`, as a pass over the whole vocabulary would for the
    /// chain: when the chain keeps at most n tokens and n of the likeliest pass, those are the ones
    /// it would keep anyway.
    private func constrain(_ array: inout llama_token_data_array, to grammar: UnsafeMutablePointer<llama_sampler>) {
        let vocabulary = array.size
        if let keeps, keeps <= shortlistLength, shortlistLength < vocabulary {
            do {
                keepLikeliest(shortlistLength, of: &array)
                llama_sampler_apply(grammar, &array)
                let passed = (0..<array.size).filter { array.data[$0].logit != -Float.infinity }
                if passed.count >= keeps {
                    // In order at the front, so the array stays sorted for the chain.
                    for (position, index) in passed.enumerated() { array.data[position] = array.data[index] }
                    array.size = passed.count
                    return
                }
                // The shortlist only reordered the candidates; all of them are still in the buffer.
                array.size = vocabulary
                array.sorted = false
            }
        }
        Self.apply(grammar, inSlicesTo: array)
    }

    /// Applies the grammar to every candidate of `array`, `grammarSliceLength` at a time.
    static func apply(_ grammar: UnsafeMutablePointer<llama_sampler>, inSlicesTo array: llama_token_data_array) {
        var start = 0
        while start < array.size {
            var slice = llama_token_data_array(
                data: array.data + start, size: min(grammarSliceLength, array.size - start), selected: -1, sorted: false)
            llama_sampler_apply(grammar, &slice)
            start += slice.size
        }
    }

    /// Moves the `count` likeliest candidates to the front, sorted, and keeps only those.
    private func keepLikeliest(_ count: Int, of array: inout llama_token_data_array) {
        guard count < array.size, let topK = llama_sampler_init_top_k(Int32(clamping: count)) else { return }
        llama_sampler_apply(topK, &array)
        llama_sampler_free(topK)
    }

    private func grammarAllows(_ token: llama_token, _ grammar: UnsafeMutablePointer<llama_sampler>) -> Bool {
        var single = llama_token_data(id: token, logit: 1, p: 0)
        return withUnsafeMutablePointer(to: &single) { pointer in
            var array = llama_token_data_array(data: pointer, size: 1, selected: -1, sorted: false)
            llama_sampler_apply(grammar, &array)
            return pointer.pointee.logit != -Float.infinity
        }
    }
}
