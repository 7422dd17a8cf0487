import Foundation
import MeasurementSupport
import Synchronization
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// Clients that connect and leave at random moments: queued, while the story is read, while the
/// answer is written. Afterwards nothing may be held and the next request must be normal.
struct AbandonmentTrial {
    struct Figures {
        /// Where each client was when it left: the last phase it had seen.
        var leftDuring: [String: Int]
        var drainedAfter: Double?
        var heldAfterwards: (running: Int, waiting: Int)
        var nextRequest: StreamOutcome
        var nextRequestSeconds: Double
        var baselineSeconds: Double
    }

    let clients: Int
    let seed: UInt64

    func run(_ request: RaterFeedbackRequest, streamClient: WriterAssistantClient, probeClient: WriterAssistantClient) async -> Figures {
        let baselineStart = ContinuousClock.now
        _ = await StreamOutcome.stream(request, on: streamClient, deadline: .seconds(120))
        let baseline = (ContinuousClock.now - baselineStart).inSeconds

        var generator = SeededGenerator(seed: seed)
        let plans = (0..<clients).map { index in
            (start: Duration.milliseconds(index * 40), stay: Duration.milliseconds(Int.random(in: 50...4000, using: &generator)))
        }
        let leftDuring = await withTaskGroup(of: String.self) { group in
            for plan in plans {
                group.addTask {
                    try? await Task.sleep(for: plan.start)
                    let lastPhase = Mutex("connecting")
                    let client = Task {
                        await StreamOutcome.stream(request, on: streamClient, deadline: .seconds(600)) { event in
                            if case .status(let phase, _, _, _) = event { lastPhase.withLock { $0 = phase.rawValue } }
                            if case .result = event { lastPhase.withLock { $0 = "finished" } }
                        }
                    }
                    try? await Task.sleep(for: plan.stay)
                    client.cancel()
                    _ = await client.value
                    return lastPhase.withLock { $0 }
                }
            }
            return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }

        let left = ContinuousClock.now
        var drained: Double?
        var health: HealthStatus?
        while ContinuousClock.now - left < .seconds(60) {
            health = try? await probeClient.health()
            if let health, health.activeRequests == 0, health.queuedRequests == 0 {
                drained = (ContinuousClock.now - left).inSeconds
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let nextStart = ContinuousClock.now
        let next = await StreamOutcome.stream(request, on: streamClient, deadline: .seconds(120))
        return Figures(
            leftDuring: leftDuring, drainedAfter: drained,
            heldAfterwards: (health?.activeRequests ?? -1, health?.queuedRequests ?? -1),
            nextRequest: next, nextRequestSeconds: (ContinuousClock.now - nextStart).inSeconds, baselineSeconds: baseline)
    }
}
