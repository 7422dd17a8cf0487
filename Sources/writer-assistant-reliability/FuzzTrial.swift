import Foundation
import MeasurementSupport

/// Runs `scripts/fuzz.sh` (libFuzzer over the request decoder and the answer parser) and keeps
/// its summary lines.
struct FuzzTrial {
    struct Figures {
        var lines: [String]
        var passed: Bool
    }

    let runs: Int

    /// Waits on a thread of its own: the fuzzers run for minutes.
    func run() async throws -> Figures {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runBlocking() }) }.start()
        }
    }

    private func runBlocking() throws -> Figures {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", "scripts/fuzz.sh"]
        process.environment = ProcessInfo.processInfo.environment.merging(["RUNS": String(runs)]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.contains("inputs in") || $0.contains("stat::") || $0.contains("ERROR") }
        return Figures(lines: lines, passed: process.terminationStatus == 0)
    }
}
