import ArgumentParser
import Foundation
import LlamaEngine

/// Rewrites a GGUF model's weights in another format with llama.cpp's own quantizer.
struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write a model's weights in another format (llama.cpp's quantizer).",
        discussion: """
            Requantizing an already quantized model cannot bring back what its format lost; it \
            changes how fast the weights are read. BENCHMARKS.md compares the formats' speed and \
            QUALITY.md their answers.
            """)

    @Argument(help: "The GGUF model to read.")
    var source: String

    @Argument(help: "The GGUF file to write.")
    var destination: String

    @Option(help: "The weight format: \(WeightFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: String

    @Option(help: "CPU threads (default: one per core).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        guard let weightFormat = WeightFormat(rawValue: format.uppercased()) else {
            throw ValidationError("--format must be one of \(WeightFormat.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(format)').")
        }
        guard FileManager.default.fileExists(atPath: source) else {
            throw ValidationError("There is no model file at \(source).")
        }
        try ModelQuantizer.quantize(source, to: destination, format: weightFormat, threads: max(1, threads))
        print("Wrote \(destination) (\(weightFormat.rawValue)).")
    }
}
