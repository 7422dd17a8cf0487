import Foundation
import MeasurementSupport

/// A measurement taken in a child process of this benchmark, so that its llama.cpp is the only
/// one the process has ever run. After one engine or raw run had stopped, the next in the same
/// process decoded at about a third of the speed on two cores (llama.cpp's OpenMP thread teams
/// outlive the thread that started them).
enum MeasuredAlone {
    /// Runs this executable with `arguments` and reads the one number it prints.
    static func figure(_ arguments: [String]) async throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let line = printed.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        guard status == 0, let figure = Double(line.trimmingCharacters(in: .whitespaces)) else {
            throw MeasurementFailure(description: "a measurement in a child process failed (status \(status)): \(printed.suffix(300))")
        }
        return figure
    }
}
