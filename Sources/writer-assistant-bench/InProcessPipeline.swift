import MeasurementSupport
import LlamaEngine
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM

/// The server's own pipeline and engine, run inside the benchmark without HTTP, so that the gap
/// between the server and raw llama.cpp can be split between the engine and the transport.
struct InProcessPipeline {
    private let pipeline: OperationPipeline

    init(modelPath: String, parallel: Int, sampling: SamplingParameters) async throws {
        let engine = try await LlamaEngine.load(.init(modelPath: modelPath, parallel: parallel))
        pipeline = OperationPipeline(host: ModelHost(.ready(engine)), configuration: .init(sampling: sampling))
    }

    /// Decode tokens per second of one answer, consuming its token events as a client would.
    func decodeRate(for request: RaterFeedbackRequest) async throws -> Double {
        for await event in pipeline.events(for: request, options: .init(includeTokens: true)) {
            switch event {
            case .result(let result):
                guard let rate = result.contextMetadata.decodeTokensPerSecond else { break }
                return rate
            case .error(let message, _):
                throw MeasurementFailure(description: "in-process pipeline: \(message)")
            case .status, .token:
                continue
            }
        }
        throw MeasurementFailure(description: "in-process pipeline: no decode speed in the result")
    }
}
