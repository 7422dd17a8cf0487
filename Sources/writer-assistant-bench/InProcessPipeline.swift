import LlamaEngine
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM

/// The server's own pipeline and engine, run inside the benchmark without HTTP, so that the gap
/// between the server and raw llama.cpp can be split between the engine and the transport.
struct InProcessPipeline {
    private let pipeline: FeedbackPipeline

    init(modelPath: String, parallel: Int, maxTokens: Int) async throws {
        let engine = try await LlamaEngine.load(.init(modelPath: modelPath, parallel: parallel))
        pipeline = FeedbackPipeline(
            host: ModelHost(.ready(engine)),
            configuration: .init(sampling: SamplingParameters(temperature: 0, maxTokens: maxTokens, seed: 1)))
    }

    /// Decode tokens per second of one answer, consuming its token events as a client would.
    func decodeRate(for request: RaterFeedbackRequest) async -> Double? {
        var rate: Double?
        for await event in pipeline.events(for: request, options: .init(includeTokens: true)) {
            if case .result(let result) = event { rate = result.contextMetadata.decodeTokensPerSecond }
        }
        return rate
    }
}
