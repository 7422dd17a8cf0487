import Foundation
import WriterAssistantAPI
package import WriterAssistantClient
package import WriterAssistantLLM

/// The release server, started for a measurement and stopped after it.
package final class ServerProcess {
    let process = Process()
    package let baseURL: String
    /// The options that decide what is measured, as the report shows them.
    package let settings: [String]

    /// `extraArguments` are further options of `serve`, reported with the others. Stories are
    /// spilled to `storyCache` when given, else nowhere: a measurement never touches the user's
    /// own story cache.
    package convenience init(
        executable: String, modelPath: String, port: Int, parallel: Int, sampling: SamplingParameters,
        storyCache: String? = nil, extraArguments: [String] = []
    ) throws {
        try self.init(
            executable: executable, model: ["--model-path", modelPath], port: port, parallel: parallel, sampling: sampling,
            storyCache: storyCache, extraArguments: extraArguments)
    }

    /// A server whose model is given by `model`: `--model-path` and its file, or `--llm-url`s.
    package init(
        executable: String, model: [String], port: Int, parallel: Int, sampling: SamplingParameters,
        storyCache: String? = nil, extraArguments: [String] = []
    ) throws {
        baseURL = "http://127.0.0.1:\(port)"
        settings = [
            "--parallel", String(parallel), "--temperature", String(sampling.temperature),
            "--top-k", String(sampling.topK), "--top-p", String(sampling.topP),
            "--max-tokens", String(sampling.maxTokens),
        ] + (sampling.seed.map { ["--seed", String($0)] } ?? []) + extraArguments
            + (storyCache.map { ["--cache-dir", $0] } ?? ["--no-disk-cache"])
            // Measurements send their stories whole; none is kept.
            + (extraArguments.contains("--library-path") ? [] : ["--no-library"])
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve"] + model + ["--port", String(port), "--log-level", "warning"] + settings
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// A server started and ready to answer, with a client of it; stopped again if it never is.
    package static func started(
        executable: String, modelPath: String, port: Int, parallel: Int, sampling: SamplingParameters,
        storyCache: String? = nil, extraArguments: [String] = []
    ) async throws -> (ServerProcess, WriterAssistantClient) {
        let process = try ServerProcess(
            executable: executable, modelPath: modelPath, port: port, parallel: parallel, sampling: sampling,
            storyCache: storyCache, extraArguments: extraArguments)
        let client = WriterAssistantClient(baseURL: process.baseURL)
        do {
            try await process.waitUntilReady(client)
        } catch {
            process.stop()
            throw error
        }
        return (process, client)
    }

    /// Runs `body` against a server started for it, and stops the server after it, however it
    /// ends: the model is loaded only while `body` runs.
    package static func serving<T>(
        executable: String, modelPath: String, port: Int, parallel: Int, sampling: SamplingParameters,
        _ body: (WriterAssistantClient) async throws -> T
    ) async throws -> T {
        let (process, client) = try await started(
            executable: executable, modelPath: modelPath, port: port, parallel: parallel, sampling: sampling)
        defer { process.stop() }
        return try await body(client)
    }

    package func waitUntilReady(_ client: WriterAssistantClient) async throws {
        for _ in 0..<300 {
            // Exited (its port taken, say): whatever answers there is not the server under test.
            guard process.isRunning else {
                throw MeasurementFailure(description: "the server exited with status \(process.terminationStatus) before it was ready")
            }
            if let health = try? await client.health(), health.llmAvailable { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw MeasurementFailure(description: "the server did not become ready")
    }

    /// The most resident memory the process has used, from the kernel's high-water mark.
    package var peakResidentBytes: Int? {
        Self.statusField("VmHWM:", of: process.processIdentifier)
    }

    private static func statusField(_ name: String, of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
            let kilobytes = Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// A reader of the process's resident memory now, which can be handed to other tasks.
    package var residentMemory: @Sendable () -> Int? {
        let pid = process.processIdentifier
        return { Self.statusField("VmRSS:", of: pid) }
    }

    /// Stops the server and waits for it to exit; once stopped, a second call does nothing.
    package func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Sends SIGTERM, as a service manager does, and waits for the exit: its status and how long
    /// the process took to leave.
    package func terminate() async -> (status: Int32, after: Duration) {
        let started = ContinuousClock.now
        process.terminate()
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return (process.terminationStatus, ContinuousClock.now - started)
    }

    package var isRunning: Bool { process.isRunning }

    /// A reader of the CPU time the process has used so far (user and system), in seconds.
    package var cpuSeconds: @Sendable () -> Double? {
        let pid = process.processIdentifier
        return {
            // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
            return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        }
    }
}
