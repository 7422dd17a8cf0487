import Foundation
import WriterAssistantAPI
import WriterAssistantClient

/// The release server, started for the benchmark and stopped after it.
final class ServerProcess {
    let process = Process()
    let baseURL: String

    init(executable: String, modelPath: String, port: Int, parallel: Int, maxTokens: Int) throws {
        baseURL = "http://127.0.0.1:\(port)"
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "serve", "--model-path", modelPath, "--port", String(port), "--parallel", String(parallel),
            "--temperature", "0", "--seed", "1", "--max-tokens", String(maxTokens), "--log-level", "warning",
        ]
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
