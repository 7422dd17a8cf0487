import CLlama
import WriterAssistantLLM

/// Chooses each next token: top-k, top-p, temperature and a seeded draw (or greedy), optionally held
/// to a grammar.
///
/// The grammar is checked against the chosen token first, since most tokens a model picks are
/// already valid. When it rejects that token, it is tried on the likeliest tokens next and on the
/// whole vocabulary only if too few of those pass: a full pass costs more than the rest of a
/// decode step.
final class LlamaSampler {
    /// How many of the likeliest tokens the grammar is tried on before the whole vocabulary.
    static let defaultShortlistLength = 128

    private let chain: UnsafeMutablePointer<llama_sampler>
    private let grammar: UnsafeMutablePointer<llama_sampler>?
    private let shortlist: UnsafeMutablePointer<llama_sampler>
    private let shortlistLength: Int
    /// Tokens the chain can choose among, when it bounds them (greedy: 1, top-k: k).
    private let choices: Int?
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
        guard let chain = llama_sampler_chain_init(llama_sampler_chain_default_params()),
              let shortlist = llama_sampler_init_top_k(Int32(shortlistLength)) else {
            if let grammar { llama_sampler_free(grammar) }
            throw .invalidGrammar
        }
        if parameters.temperature <= 0 {
            llama_sampler_chain_add(chain, llama_sampler_init_greedy())
            choices = 1
        } else {
            // Top-k first also spares top-p a softmax and sort over the whole vocabulary.
            if parameters.topK > 0 { llama_sampler_chain_add(chain, llama_sampler_init_top_k(Int32(parameters.topK))) }
            choices = parameters.topK > 0 ? parameters.topK : nil
            llama_sampler_chain_add(chain, llama_sampler_init_top_p(Float(parameters.topP), 1))
            llama_sampler_chain_add(chain, llama_sampler_init_temp(Float(parameters.temperature)))
            llama_sampler_chain_add(chain, llama_sampler_init_dist(parameters.seed ?? LLAMA_DEFAULT_SEED))
        }
        self.chain = chain
        self.grammar = grammar
        self.shortlist = shortlist
        self.shortlistLength = shortlistLength
        greedy = parameters.temperature <= 0
        candidates = [llama_token_data](repeating: llama_token_data(), count: model.vocabularySize)
    }

    deinit {
        llama_sampler_free(chain)
        llama_sampler_free(shortlist)
        if let grammar { llama_sampler_free(grammar) }
    }

    /// Samples from the logits of output `index` of the last evaluated batch and records the
    /// choice in every sampler's state.
    func sample(context: OpaquePointer, index: Int32) -> llama_token {
        guard let logits = llama_get_logits_ith(context, index) else { return LLAMA_TOKEN_NULL }
        return sample(logits: logits)
    }

    /// Samples from one vocabulary-sized row of logits.
    func sample(logits: UnsafeMutablePointer<Float>) -> llama_token {
        var token = choose(from: logits, constrained: false)
        guard token != LLAMA_TOKEN_NULL else { return token }
        if let grammar {
            if !grammarAllows(token, grammar) {
                token = choose(from: logits, constrained: true)
                guard token != LLAMA_TOKEN_NULL else { return token }
            }
            llama_sampler_accept(grammar, token)
        }
        llama_sampler_accept(chain, token)
        return token
    }

    private func choose(from logits: UnsafeMutablePointer<Float>, constrained: Bool) -> llama_token {
        if greedy && !constrained {
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
            if constrained, let grammar { constrain(&array, to: grammar) }
            llama_sampler_apply(chain, &array)
            guard array.selected >= 0, array.selected < array.size else { return LLAMA_TOKEN_NULL }
            return array.data[Int(array.selected)].id
        }
    }

    /// Leaves the grammar's choices in `array`, as a pass over the whole vocabulary would for the
    /// chain: when the chain keeps at most `choices` tokens and that many of the likeliest pass,
    /// those are the ones it would keep anyway.
    private func constrain(_ array: inout llama_token_data_array, to grammar: UnsafeMutablePointer<llama_sampler>) {
        let vocabulary = array.size
        if let choices, choices <= shortlistLength {
            llama_sampler_apply(shortlist, &array)
            llama_sampler_apply(grammar, &array)
            let passed = (0..<array.size).filter { array.data[$0].logit != -Float.infinity }
            if passed.count >= choices {
                // In order at the front, so the array stays sorted for the chain.
                for (position, index) in passed.enumerated() { array.data[position] = array.data[index] }
                array.size = passed.count
                return
            }
            // The shortlist only reordered the candidates; all of them are still in the buffer.
            array.size = vocabulary
            array.sorted = false
        }
        llama_sampler_apply(grammar, &array)
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
