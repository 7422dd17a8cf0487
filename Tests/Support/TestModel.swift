import Foundation
public import LlamaEngine

/// The real default model, loaded once per test process.
public enum TestModel {
    /// `WRITER_ASSISTANT_TEST_MODEL`, else the model `make setup` installs.
    public static let path: String = {
        if let path = ProcessInfo.processInfo.environment["WRITER_ASSISTANT_TEST_MODEL"], !path.isEmpty {
            return path
        }
        return PackagePaths.file("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }()

    public static func configuration(
        parallel: Int = 4, maxQueuedRequests: Int = 64, flashAttention: Bool = false
    ) -> LlamaEngine.Configuration {
        LlamaEngine.Configuration(
            modelPath: path, contextSize: 4096, parallel: parallel, maxQueuedRequests: maxQueuedRequests,
            flashAttention: flashAttention)
    }

    private static let sharedLoad = Task { try await LlamaEngine.load(configuration()) }

    /// The process-wide engine; tests that need their own queue limits load another.
    public static func shared() async throws -> LlamaEngine {
        try await sharedLoad.value
    }
}
