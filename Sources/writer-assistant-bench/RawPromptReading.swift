import Foundation
import MeasurementSupport
import WriterAssistantLLM

/// llama.cpp's own time to read a prompt whose first tokens are already in its cache, against
/// reading one as long from nothing: the reference for the server's figures on a story it has
/// read before, since tokens read deep into a story attend to everything before them.
enum RawPromptReading {
    /// Seconds to read `read` tokens after `cached` evaluated ones, and `cold` tokens from nothing,
    /// each until the first token's logits, at the engine's default context settings.
    static func measure(modelPath: String, threads: Int, cached: Int, read: Int, cold: Int) throws -> (warm: Double, cold: Double) {
        guard cached < cold, read > 0 else {
            throw MeasurementFailure(description: "a warm read of \(read) tokens after \(cached) needs a longer cold read than \(cold)")
        }
        let llama = try RawLlama(modelPath: modelPath, threads: threads, contextLength: max(cached + read, cold) + 64)
        let prompt = try llama.prompt(tokens: max(cached + read, cold))
        // Untimed: the first evaluation after loading pays for setting llama.cpp up.
        try llama.read(prompt[..<64])
        try llama.keep(0)

        var started = ContinuousClock.now
        try llama.read(prompt[..<cold])
        _ = try llama.greedyToken()
        let coldSeconds = (ContinuousClock.now - started).inSeconds
        try llama.keep(cached)
        started = ContinuousClock.now
        try llama.read(prompt[cached..<(cached + read)])
        _ = try llama.greedyToken()
        return (warm: (ContinuousClock.now - started).inSeconds, cold: coldSeconds)
    }
}
