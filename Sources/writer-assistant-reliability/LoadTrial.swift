import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// Many writers at once: every stream must end in a result or SERVER_BUSY, none may hang, and
/// `/health` must stay quick throughout.
struct LoadTrial {
    struct Figures {
        var outcomes: [StreamOutcome: Int]
        var idleHealthP99: Double
        var loadHealthP50: Double
        var loadHealthP99: Double
        var loadHealthMax: Double
        var healthFailures: Int
        var seconds: Double

        var everyStreamEnded: Bool {
            outcomes.keys.allSatisfy { $0 == .result || $0 == .error(.serverBusy) }
        }
    }

    let streams: Int
    let deadline: Duration

    func run(_ request: RaterFeedbackRequest, streamClient: WriterAssistantClient, probeClient: WriterAssistantClient) async -> Figures {
        // Baseline, same server, nothing else running.
        let idle = HealthProbe()
        let idleProbe = Task { await idle.run(probeClient, every: .milliseconds(20)) }
        try? await Task.sleep(for: .seconds(2))
        idleProbe.cancel()
        _ = await idleProbe.value
        let idleLatencies = await idle.latencies

        let probe = HealthProbe()
        let probing = Task { await probe.run(probeClient, every: .milliseconds(50)) }
        let started = ContinuousClock.now
        let outcomes = await withTaskGroup(of: StreamOutcome.self) { group in
            for _ in 0..<streams {
                group.addTask { await StreamOutcome.stream(request, on: streamClient, deadline: deadline) }
            }
            return await group.reduce(into: [StreamOutcome: Int]()) { $0[$1, default: 0] += 1 }
        }
        let seconds = (ContinuousClock.now - started).inSeconds
        probing.cancel()
        _ = await probing.value
        let latencies = await probe.latencies
        return Figures(
            outcomes: outcomes,
            idleHealthP99: HealthProbe.percentile(idleLatencies, 0.99),
            loadHealthP50: HealthProbe.percentile(latencies, 0.5),
            loadHealthP99: HealthProbe.percentile(latencies, 0.99),
            loadHealthMax: HealthProbe.percentile(latencies, 1),
            healthFailures: await probe.failures,
            seconds: seconds)
    }
}
