import Foundation
import WriterAssistantLLM

/// The physical limit: llama.cpp's own greedy decoding speed for the model, one sequence, no
/// server, no grammar, measured with the same thread count the server uses.
enum RawDecodeBaseline {
    /// Tokens per second of `tokens` greedy decode steps after a prompt of `depth` tokens:
    /// attention costs grow with the context, so the baseline reads as much as the server does.
    static func measure(modelPath: String, threads: Int, depth: Int, tokens: Int) throws -> Double {
        let llama = try RawLlama(modelPath: modelPath, threads: threads, contextLength: depth + tokens + 256, engineDefaults: false)
        try llama.read(try llama.prompt(tokens: depth)[...])
        let started = ContinuousClock.now
        for _ in 0..<tokens {
            // Keep decoding past an end-of-generation token: this measures speed, not text.
            try llama.read([try llama.greedyToken()])
        }
        return Double(tokens) / (ContinuousClock.now - started).inSeconds
    }
}
