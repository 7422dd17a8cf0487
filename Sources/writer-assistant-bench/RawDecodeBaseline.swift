import Foundation
import MeasurementSupport

/// The reference: llama.cpp's own greedy decoding speed for the model, one sequence, no
/// server, no grammar, measured with the same thread count the server uses. Taken only when no
/// other model is loaded on the machine, in a process of its own: two cores shared with another
/// model's threads make the baseline slower than the server it is held against.
enum RawDecodeBaseline {
    /// A decode to repeat: as deep and as long as one of the server's answers.
    struct Shape: Sendable {
        /// Prompt tokens read before the first decode step.
        var depth: Int
        /// Decode steps.
        var tokens: Int

        init(depth: Int, tokens: Int) {
            self.depth = depth
            self.tokens = tokens
        }

        /// As deep and as long as `run`'s answer (at least 32 steps, for a steady rate).
        init(of run: TimedRun) {
            depth = run.promptTokens
            tokens = max(run.completionTokens, 32)
        }
    }

    /// The rate of `shape` measured in a process of its own (`MeasuredAlone`).
    static func measuredAlone(modelPath: String, shape: Shape) async throws -> Double {
        try await MeasuredAlone.figure(["--model-path", modelPath, "--raw-decode", "\(shape.depth),\(shape.tokens)"])
    }

    /// Said under a table whose server decoded faster than the baseline in some run: within this
    /// machine's drift between minutes, not a server faster than llama.cpp.
    static func fasterNote(_ ratios: Sample) -> String {
        guard (ratios.values.max() ?? 0) > 1 else { return "" }
        return " Ratios above 1 (the server faster than llama.cpp alone, though it does more) are this machine's " +
            "drift between the minutes of a run, by tens of percent."
    }

    /// Tokens per second of `shape.tokens` greedy decode steps after a prompt of `shape.depth`
    /// tokens (attention costs grow with the context, so the baseline reads as much as the server
    /// did), by llama.cpp's own clock of its decode steps.
    static func measure(modelPath: String, threads: Int, shape: Shape) throws -> Double {
        let llama = try RawLlama(
            modelPath: modelPath, threads: threads, contextLength: shape.depth + shape.tokens + 256, engineDefaults: false)
        try llama.read(try llama.prompt(tokens: shape.depth)[...])
        llama.resetDecodeClock()
        for _ in 0..<shape.tokens {
            // Keep decoding past an end-of-generation token: this measures speed, not text.
            try llama.read([try llama.greedyToken()])
        }
        let clock = llama.decodeClock()
        guard clock.steps > 0, clock.seconds > 0 else { throw MeasurementFailure(description: "llama.cpp timed no decode steps") }
        return Double(clock.steps) / clock.seconds
    }
}
