import CLlama
import WriterAssistantLLM

/// Chooses each next token: temperature, top-p and a seeded draw (or greedy), optionally held to a
/// grammar.
///
/// The grammar is checked against the chosen token first and applied to the whole vocabulary only
/// when it rejects that token: the full pass costs more than the rest of a decode step, and most
/// tokens a model picks are already valid.
final class LlamaSampler {
    private let chain: UnsafeMutablePointer<llama_sampler>
    private let grammar: UnsafeMutablePointer<llama_sampler>?
    private let greedy: Bool
    private var candidates: [llama_token_data]

    init(model: LlamaModel, parameters: SamplingParameters, grammar grammarText: String?) throws(LanguageModelError) {
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
        if parameters.temperature <= 0 {
            llama_sampler_chain_add(chain, llama_sampler_init_greedy())
        } else {
            llama_sampler_chain_add(chain, llama_sampler_init_top_p(Float(parameters.topP), 1))
            llama_sampler_chain_add(chain, llama_sampler_init_temp(Float(parameters.temperature)))
            llama_sampler_chain_add(chain, llama_sampler_init_dist(parameters.seed ?? LLAMA_DEFAULT_SEED))
        }
        self.chain = chain
        self.grammar = grammar
        greedy = parameters.temperature <= 0
        candidates = [llama_token_data](repeating: llama_token_data(), count: model.vocabularySize)
    }

    deinit {
        llama_sampler_free(chain)
        if let grammar { llama_sampler_free(grammar) }
    }

    /// Samples from the logits of output `index` of the last evaluated batch and records the
    /// choice in every sampler's state.
    func sample(context: OpaquePointer, index: Int32) -> llama_token {
        guard let logits = llama_get_logits_ith(context, index) else { return LLAMA_TOKEN_NULL }
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
            if constrained, let grammar { llama_sampler_apply(grammar, &array) }
            llama_sampler_apply(chain, &array)
            guard array.selected >= 0, array.selected < array.size else { return LLAMA_TOKEN_NULL }
            return array.data[Int(array.selected)].id
        }
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
