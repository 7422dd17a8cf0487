import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// What goes wrong outside a request: a model file that is missing, cut short or not a model,
/// and the server told to stop in the middle of a panel.
struct FaultTrials {
    struct ModelFault {
        var label: String
        var serverAnswers: Bool
        var healthReason: String
        var requestOutcome: StreamOutcome
    }

    struct Shutdown {
        var outcomes: [StreamOutcome]
        var exitStatus: Int32
        var exitSeconds: Double
        var gracePeriod: Int
    }

    let executable: String
    let modelPath: String
    let port: Int

    func modelFaults(_ request: RaterFeedbackRequest, client: (String) -> WriterAssistantClient) async throws -> [ModelFault] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("writer-assistant-faults-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let truncated = folder.appendingPathComponent("truncated.gguf")
        let model = try Data(contentsOf: URL(fileURLWithPath: modelPath))
        try model.prefix(model.count / 2).write(to: truncated)
        let garbage = folder.appendingPathComponent("garbage.gguf")
        var generator = SeededGenerator(seed: 7)
        try Data((0..<1_000_000).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: garbage)

        var faults: [ModelFault] = []
        for (label, path) in [
            ("model file missing", folder.appendingPathComponent("missing.gguf").path),
            ("model file cut in half", truncated.path),
            ("model file of random bytes", garbage.path),
        ] {
            let server = try ServerProcess(executable: executable, modelPath: path, port: port, parallel: 1, sampling: .raterDefaults)
            defer { server.stop() }
            let api = client(server.baseURL)
            var health: HealthStatus?
            for _ in 0..<100 {
                health = try? await api.health()
                if let health, !health.llmLoading { break }
                try? await Task.sleep(for: .milliseconds(100))
            }
            let outcome = await StreamOutcome.stream(request, on: api, deadline: .seconds(30))
            faults.append(ModelFault(
                label: label, serverAnswers: health != nil && server.isRunning,
                // The report names the trial's temporary folder, not this machine's path to it.
                healthReason: (health?.llmError ?? "(no answer)").replacingOccurrences(of: folder.path, with: "TEMP"),
                requestOutcome: outcome))
        }
        return faults
    }

    /// A panel of four raters, then SIGTERM once they are writing.
    func shutdownMidPanel(_ request: RaterFeedbackRequest, grace: Int, client: (String) -> WriterAssistantClient) async throws -> Shutdown {
        let server = try ServerProcess(
            executable: executable, modelPath: modelPath, port: port, parallel: 4, sampling: .raterDefaults,
            extraArguments: ["--shutdown-grace", String(grace)])
        let api = client(server.baseURL)
        try await server.waitUntilReady(api)
        let panel = (0..<4).map { index in
            var rater = request
            rater.raterPrompt += " (rater \(index + 1))"
            return Task { await StreamOutcome.stream(rater, on: api, deadline: .seconds(120)) }
        }
        // Once every rater is writing.
        for _ in 0..<200 {
            if let health = try? await api.health(), health.activeRequests == 4 { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        try? await Task.sleep(for: .milliseconds(500))
        let (status, after) = await server.terminate()
        var outcomes: [StreamOutcome] = []
        for rater in panel { outcomes.append(await rater.value) }
        return Shutdown(outcomes: outcomes, exitStatus: status, exitSeconds: after.inSeconds, gracePeriod: grace)
    }
}
