import MeasurementSupport
import LlamaEngine
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM

/// The server's own pipeline and engine, run inside the benchmark without HTTP, so that the gap
/// between the server and raw llama.cpp can be split between the engine and the transport.
struct InProcessPipeline {
    private let engine: LlamaEngine
    private let pipeline: OperationPipeline

    init(modelPath: String, parallel: Int, sampling: SamplingParameters) async throws {
        engine = try await LlamaEngine.load(.init(modelPath: modelPath, parallel: parallel))
        pipeline = OperationPipeline(host: ModelHost(.ready(engine)), configuration: .init(sampling: sampling))
    }

    /// The decode rate of the single-request trial's request `seed`, measured in a process of its
    /// own (`MeasuredAlone`).
    static func measuredAlone(seed: Int, modelPath: String, maxTokens: Int) async throws -> Double {
        try await MeasuredAlone.figure(["--model-path", modelPath, "--max-tokens", "\(maxTokens)", "--in-process-seed", "\(seed)"])
    }

    /// The decode rate of `request` on a pipeline loaded for it alone and stopped after it, so
    /// that its engine runs with no other model beside it and leaves none behind.
    static func decodeRate(
        for request: RaterFeedbackRequest, modelPath: String, parallel: Int, sampling: SamplingParameters
    ) async throws -> Double {
        let pipeline = try await InProcessPipeline(modelPath: modelPath, parallel: parallel, sampling: sampling)
        let rate: Result<Double, any Error>
        do {
            rate = .success(try await pipeline.decodeRate(for: request))
        } catch {
            rate = .failure(error)
        }
        pipeline.engine.shutdown()
        await pipeline.engine.waitUntilStopped()
        return try rate.get()
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
