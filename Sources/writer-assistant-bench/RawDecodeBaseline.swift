import MeasurementSupport
import CLlama
import Foundation
import WriterAssistantLLM

/// The physical limit: llama.cpp's own greedy decoding speed for the model, one sequence, no
/// server, no grammar, measured with the same thread count the server uses.
enum RawDecodeBaseline {
    /// Tokens per second of `tokens` greedy decode steps after a prompt of `depth` tokens:
    /// attention costs grow with the context, so the baseline reads as much as the server does.
    static func measure(modelPath: String, threads: Int, depth: Int, tokens: Int) throws -> Double {
        llama_backend_init()
        llama_log_set({ _, _, _ in }, nil)
        var modelParameters = llama_model_default_params()
        modelParameters.n_gpu_layers = 0
        guard let model = llama_model_load_from_file(modelPath, modelParameters) else {
            throw MeasurementFailure(description: "cannot load \(modelPath)")
        }
        defer { llama_model_free(model) }
        var contextParameters = llama_context_default_params()
        contextParameters.n_ctx = UInt32(depth + tokens + 256)
        contextParameters.n_threads = Int32(threads)
        contextParameters.n_threads_batch = Int32(threads)
        // As the server runs it: flash attention is slower on CPUs.
        contextParameters.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED
        guard let context = llama_init_from_model(model, contextParameters), let vocab = llama_model_get_vocab(model) else {
            throw MeasurementFailure(description: "cannot create a context")
        }
        defer { llama_free(context) }

        // More text than needed, cut to exactly `depth` tokens.
        let story = String(repeating: "The lighthouse keeper counted the ships that passed in the night. ", count: depth / 4 + 1)
        let prompt = "<|im_start|>user\n\(story)"
        var promptTokens = [llama_token](repeating: 0, count: prompt.utf8.count + 8)
        let tokenized = llama_tokenize(vocab, prompt, Int32(prompt.utf8.count), &promptTokens, Int32(promptTokens.count), true, true)
        guard tokenized >= depth else { throw MeasurementFailure(description: "cannot tokenize") }
        let count = Int32(depth)
        var evaluated: Int32 = 0
        while evaluated < count {
            let chunk = min(count - evaluated, Int32(contextParameters.n_batch))
            let status = promptTokens.withUnsafeMutableBufferPointer { buffer in
                llama_decode(context, llama_batch_get_one(buffer.baseAddress! + Int(evaluated), chunk))
            }
            guard status == 0 else { throw MeasurementFailure(description: "prompt evaluation failed") }
            evaluated += chunk
        }

        let vocabularySize = Int(llama_vocab_n_tokens(vocab))
        let started = ContinuousClock.now
        for _ in 0..<tokens {
            guard let logits = llama_get_logits_ith(context, -1) else { throw MeasurementFailure(description: "no logits") }
            var next = llama_token(0)
            for index in 1..<vocabularySize where logits[index] > logits[Int(next)] { next = llama_token(index) }
            // Keep decoding past an end-of-generation token: this measures speed, not text.
            guard llama_decode(context, llama_batch_get_one(&next, 1)) == 0 else {
                throw MeasurementFailure(description: "decode failed")
            }
        }
        return Double(tokens) / (ContinuousClock.now - started).inSeconds
    }
}
