import Foundation
import MeasurementSupport
import Synchronization
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// A steady mixed load for a while: streams read to the end, synchronous requests, streams left
/// half-way, invalid requests and health checks. Memory must stay flat and nothing may fail but
/// what the load asks for.
struct SoakTrial {
    struct Figures {
        var minutes: Double
        var requests: Int
        var outcomes: [String: Int]
        var unexpected: [String: Int]
        /// Resident memory, sampled every half minute, in MiB.
        var residentMiB: [Double]
    }

    let duration: Duration
    let workers: Int

    func run(_ request: RaterFeedbackRequest, server: ServerProcess, client: WriterAssistantClient, invalid: InvalidRequests) async -> Figures {
        let tally = Tally()
        let started = ContinuousClock.now
        let residentMemory = server.residentMemory

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while ContinuousClock.now - started < duration {
                    if let bytes = residentMemory() { tally.sampleMemory(Double(bytes) / 1_048_576) }
                    try? await Task.sleep(for: .seconds(30))
                }
            }
            for worker in 0..<workers {
                group.addTask {
                    var step = worker
                    while ContinuousClock.now - started < duration {
                        step += 1
                        switch step % 10 {
                        case 0, 1, 2, 3:
                            let outcome = await StreamOutcome.stream(request, on: client, deadline: .seconds(300))
                            tally.record("stream", outcome.description, expected: outcome == .result || outcome == .error(.serverBusy))
                        case 4, 5:
                            do {
                                _ = try await client.raterFeedback(request)
                                tally.record("synchronous", "result", expected: true)
                            } catch {
                                tally.record("synchronous", "\(error)".prefix(60).description, expected: false)
                            }
                        case 6, 7:
                            let leaving = Task { await StreamOutcome.stream(request, on: client, deadline: .seconds(300)) }
                            try? await Task.sleep(for: .milliseconds(300 + 400 * (step % 5)))
                            leaving.cancel()
                            let outcome = await leaving.value
                            tally.record("stream left mid-way", outcome == .left ? "left" : outcome.description,
                                   expected: outcome == .left || outcome == .result)
                        case 8:
                            let status = await invalid.post()
                            tally.record("invalid request", "\(status)", expected: status == 422)
                        default:
                            do {
                                _ = try await client.health()
                                tally.record("health", "ok", expected: true)
                            } catch {
                                tally.record("health", "\(error)".prefix(60).description, expected: false)
                            }
                        }
                    }
                }
            }
        }
        let (outcomes, unexpected, memory) = tally.snapshot
        return Figures(
            minutes: (ContinuousClock.now - started).inSeconds / 60, requests: outcomes.values.reduce(0, +),
            outcomes: outcomes, unexpected: unexpected, residentMiB: memory)
    }
}

/// What the soak's clients saw, counted from all of them at once.
private final class Tally: Sendable {
    private struct Counts {
        var outcomes: [String: Int] = [:]
        var unexpected: [String: Int] = [:]
        var memory: [Double] = []
    }

    private let counts = Mutex(Counts())

    func record(_ action: String, _ outcome: String, expected: Bool) {
        counts.withLock { counts in
            counts.outcomes["\(action): \(outcome)", default: 0] += 1
            if !expected { counts.unexpected["\(action): \(outcome)", default: 0] += 1 }
        }
    }

    func sampleMemory(_ mebibytes: Double) {
        counts.withLock { $0.memory.append(mebibytes) }
    }

    var snapshot: (outcomes: [String: Int], unexpected: [String: Int], memory: [Double]) {
        counts.withLock { ($0.outcomes, $0.unexpected, $0.memory) }
    }
}
