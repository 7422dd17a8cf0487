import Foundation
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// The release server, started for the benchmark and stopped after it.
final class ServerProcess {
    let process = Process()
    let baseURL: String
    /// The options that decide what is measured, as the report shows them.
    let settings: [String]

    init(executable: String, modelPath: String, port: Int, parallel: Int, sampling: SamplingParameters) throws {
        baseURL = "http://127.0.0.1:\(port)"
        settings = [
            "--parallel", String(parallel), "--temperature", String(sampling.temperature),
            "--top-k", String(sampling.topK), "--top-p", String(sampling.topP),
            "--max-tokens", String(sampling.maxTokens),
        ] + (sampling.seed.map { ["--seed", String($0)] } ?? [])
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--model-path", modelPath, "--port", String(port), "--log-level", "warning"] + settings
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    func waitUntilReady(_ client: WriterAssistantClient) async throws {
        for _ in 0..<300 {
            if let health = try? await client.health(), health.llmAvailable { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchmarkFailure(description: "the server did not become ready")
    }

    /// The most resident memory the process has used, from the kernel's high-water mark.
    var peakResidentBytes: Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
