import Foundation

/// Versions of the default model in other weight formats, written once with the server's own
/// `quantize` command and kept beside the build products, for the measuring tools to compare.
package enum QuantizedModels {
    package static let formats = ["Q8_0", "Q4_0"]

    /// Each format's file for `modelPath`, written with `server quantize` when missing.
    package static func prepare(modelPath: String, server: String) throws -> [(format: String, path: String)] {
        let directory = ".build/quantized"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
            .replacingOccurrences(of: ".Q4_1", with: "")
        return try formats.map { format in
            let path = "\(directory)/\(name).\(format).gguf"
            if !FileManager.default.fileExists(atPath: path) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: server)
                process.arguments = ["quantize", modelPath, path, "--format", format]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else {
                    throw MeasurementFailure(description: "`\(server) quantize` could not write \(path)")
                }
            }
            return (format, path)
        }
    }
}
