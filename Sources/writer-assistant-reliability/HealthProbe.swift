import Foundation
import MeasurementSupport
import WriterAssistantClient
import WriterAssistantLLM

/// Asks `/health` every `interval` on its own connection while other work runs, and keeps how
/// long each answer took.
actor HealthProbe {
    private(set) var latencies: [Duration] = []
    private(set) var failures = 0

    func run(_ client: WriterAssistantClient, every interval: Duration) async {
        while !Task.isCancelled {
            let asked = ContinuousClock.now
            do {
                _ = try await client.health()
                latencies.append(ContinuousClock.now - asked)
            } catch is CancellationError {
                return
            } catch {
                failures += 1
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// The share `fraction` (0.99 for p99) of latencies at or under the returned one, in ms.
    static func percentile(_ latencies: [Duration], _ fraction: Double) -> Double {
        guard !latencies.isEmpty else { return .nan }
        let sorted = latencies.sorted()
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return sorted[max(0, index)].inSeconds * 1000
    }
}
