import Foundation
import MeasurementSupport

/// A measurement taken in a child process of this benchmark, so that its llama.cpp is the only
/// one the process has ever run. After one engine or raw run had stopped, the next in the same
/// process decoded at about a third of the speed on two cores (llama.cpp's OpenMP thread teams
/// outlive the thread that started them).
enum MeasuredAlone {
    /// Runs this executable with `arguments` and reads the one number it prints last.
    static func figure(_ arguments: [String]) async throws -> Double {
        // The child writes to a file, not a pipe, so that nothing it prints can stall it.
        let outputURL = FileManager.default.temporaryDirectory.appendingPathComponent("bench-figure-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: outputURL.path, contents: nil) else {
            throw MeasurementFailure(description: "cannot create \(outputURL.path)")
        }
        defer { try? FileManager.default.removeItem(at: outputURL) }
        let output = try FileHandle(forWritingTo: outputURL)
        defer { try? output.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        process.arguments = arguments
        process.standardOutput = output
        let ended: (reason: Process.TerminationReason, status: Int32) = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: ($0.terminationReason, $0.terminationStatus)) }
            do {
                try process.run()
            } catch {
                // Nothing started: the handler never runs.
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        // Held until it has ended, whose handler it owns.
        withExtendedLifetime(process) {}
        let printed = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        let line = printed.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        guard ended.reason == .exit, ended.status == 0, let figure = Double(line.trimmingCharacters(in: .whitespaces)) else {
            let how = ended.reason == .exit ? "exited with status \(ended.status)" : "was killed by signal \(ended.status)"
            throw MeasurementFailure(description: "a measurement in a child process \(how): \(printed.suffix(300))")
        }
        return figure
    }
}
