import CLlama
import Foundation

/// Weight formats a model can be rewritten in by llama.cpp's own quantizer.
public enum WeightFormat: String, Sendable, CaseIterable {
    case q8_0 = "Q8_0"
    case q4_0 = "Q4_0"
    case q4_1 = "Q4_1"
    case q5_0 = "Q5_0"

    var fileType: llama_ftype {
        switch self {
        case .q8_0: LLAMA_FTYPE_MOSTLY_Q8_0
        case .q4_0: LLAMA_FTYPE_MOSTLY_Q4_0
        case .q4_1: LLAMA_FTYPE_MOSTLY_Q4_1
        case .q5_0: LLAMA_FTYPE_MOSTLY_Q5_0
        }
    }
}

public enum ModelQuantizer {
    /// Writes `source`'s weights in `format` to `destination` (through a temporary file, so a
    /// half-written model is never left under its name). Requantizing an already quantized model
    /// cannot bring back what its format lost; it changes how fast the weights are read.
    public static func quantize(_ source: String, to destination: String, format: WeightFormat, threads: Int) throws {
        LlamaBackend.initialize()
        var parameters = llama_model_quantize_default_params()
        parameters.ftype = format.fileType
        parameters.nthread = Int32(threads)
        parameters.allow_requantize = true
        let partial = destination + ".partial"
        let status = llama_model_quantize(source, partial, &parameters)
        guard status == 0 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw LlamaEngineError.quantizationFailed(path: source, format: format.rawValue)
        }
        if FileManager.default.fileExists(atPath: destination) { try FileManager.default.removeItem(atPath: destination) }
        try FileManager.default.moveItem(atPath: partial, toPath: destination)
    }
}
