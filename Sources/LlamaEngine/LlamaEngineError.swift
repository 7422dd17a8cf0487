/// Failures of bringing the engine up; failures of a generation are `LanguageModelError`s.
public enum LlamaEngineError: Error, Sendable, CustomStringConvertible {
    case modelFileMissing(path: String)
    case modelLoadFailed(path: String)
    case contextCreationFailed
    case quantizationFailed(path: String, format: String)

    public var description: String {
        switch self {
        case .modelFileMissing(let path): "There is no model file at \(path)."
        case .modelLoadFailed(let path): "\(path) is not a model llama.cpp can load."
        case .contextCreationFailed: "llama.cpp could not create an evaluation context."
        case .quantizationFailed(let path, let format): "llama.cpp could not rewrite \(path) as \(format)."
        }
    }
}
