import CLlama
import Foundation
import LlamaEngine
import MeasurementSupport

/// llama.cpp alone, one sequence, no server and no engine: the reference the server's figures are
/// held against, with the server's thread count. With `engineDefaults` it reads a prompt as the
/// engine does at its defaults (slices of `promptChunkSize`, the engine's micro-batch and key
/// type), though in a context of its own size rather than the engine's shared pool; without, it
/// keeps llama.cpp's own defaults.
final class RawLlama {
    private let model: OpaquePointer
    private let context: OpaquePointer
    private let vocab: OpaquePointer
    /// Tokens handed to llama.cpp per call.
    private let sliceSize: Int

    init(modelPath: String, threads: Int, contextLength: Int, engineDefaults: Bool = true) throws {
        llama_backend_init()
        llama_log_set({ _, _, _ in }, nil)
        var modelParameters = llama_model_default_params()
        modelParameters.n_gpu_layers = 0
        guard let model = llama_model_load_from_file(modelPath, modelParameters) else {
            throw MeasurementFailure(description: "cannot load \(modelPath)")
        }
        var parameters = llama_context_default_params()
        parameters.n_ctx = UInt32(contextLength)
        parameters.n_threads = Int32(threads)
        parameters.n_threads_batch = Int32(threads)
        // As the server runs it: flash attention is slower on CPUs.
        parameters.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED
        // llama.cpp's own clock times the decode steps (`decodeClock`).
        parameters.no_perf = false
        var sliceSize = Int(parameters.n_batch)
        if engineDefaults {
            // As `DecodeLoop` sets them up, and as it hands a prompt over: a slice per step.
            let defaults = LlamaEngine.Configuration(modelPath: modelPath)
            sliceSize = defaults.promptChunkSize
            parameters.n_batch = UInt32(defaults.promptChunkSize + defaults.parallel)
            parameters.n_ubatch = UInt32(min(defaults.microBatchSize, defaults.promptChunkSize + defaults.parallel))
            parameters.type_k = defaults.keyCacheType.ggmlType
        }
        guard let vocab = llama_model_get_vocab(model), let context = llama_init_from_model(model, parameters) else {
            llama_model_free(model)
            throw MeasurementFailure(description: "cannot create a context")
        }
        self.model = model
        self.context = context
        self.vocab = vocab
        self.sliceSize = sliceSize
    }

    deinit {
        llama_free(context)
        llama_model_free(model)
    }

    var vocabularySize: Int { Int(llama_vocab_n_tokens(vocab)) }

    /// Exactly `count` tokens of story-like text (the cost of reading does not depend on which).
    func prompt(tokens count: Int) throws -> [llama_token] {
        let story = String(repeating: "The lighthouse keeper counted the ships that passed in the night. ", count: count / 4 + 1)
        let text = "<|im_start|>user\n\(story)"
        var tokens = [llama_token](repeating: 0, count: text.utf8.count + 8)
        let tokenized = llama_tokenize(vocab, text, Int32(text.utf8.count), &tokens, Int32(tokens.count), true, true)
        guard tokenized >= count else { throw MeasurementFailure(description: "cannot tokenize") }
        return Array(tokens[..<count])
    }

    /// Evaluates `tokens` after what the sequence holds, a batch at a time.
    func read(_ tokens: ArraySlice<llama_token>) throws {
        var tokens = Array(tokens)
        var evaluated = 0
        while evaluated < tokens.count {
            let chunk = min(tokens.count - evaluated, sliceSize)
            let status = tokens.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress.map { llama_decode(context, llama_batch_get_one($0 + evaluated, Int32(chunk))) } ?? -1
            }
            guard status == 0 else { throw MeasurementFailure(description: "prompt evaluation failed") }
            evaluated += chunk
        }
    }

    /// Keeps the sequence's first `length` tokens.
    func keep(_ length: Int) throws {
        guard llama_memory_seq_rm(llama_get_memory(context), 0, llama_pos(length), -1) else {
            throw MeasurementFailure(description: "cannot drop the cache's cells")
        }
    }

    /// Starts llama.cpp's own clock of decode steps (single-token evaluations) again.
    func resetDecodeClock() {
        llama_perf_context_reset(context)
    }

    /// Decode steps since the clock was reset and the seconds llama.cpp spent in them.
    func decodeClock() -> (steps: Int, seconds: Double) {
        let data = llama_perf_context(context)
        return (Int(data.n_eval), data.t_eval_ms / 1000)
    }

    /// The likeliest next token after what was read.
    func greedyToken() throws -> llama_token {
        guard let logits = llama_get_logits_ith(context, -1) else { throw MeasurementFailure(description: "no logits") }
        var next = llama_token(0)
        for index in 1..<vocabularySize where logits[index] > logits[Int(next)] { next = llama_token(index) }
        return next
    }
}
