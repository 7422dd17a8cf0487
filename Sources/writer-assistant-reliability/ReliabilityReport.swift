import Foundation
import MeasurementSupport
import WriterAssistantAPI

/// RELIABILITY.md: every trial's figures beside its target, with the machine, model and command.
struct ReliabilityReport {
    var commands: String
    var model: String
    var serverSettings: [String] = []
    var fuzzing: FuzzTrial.Figures?
    var load: [LoadTrial.Figures] = []
    var abandonment: [AbandonmentTrial.Figures] = []
    var modelFaults: [FaultTrials.ModelFault] = []
    var shutdown: FaultTrials.Shutdown?
    var soak: SoakTrial.Figures?
    var attacks: AttackTrials.Figures?

    static let healthTarget = 50.0
    static let memoryGrowthLimit = 1.10

    var loadMet: Bool { !load.isEmpty && load.allSatisfy { $0.everyStreamEnded && $0.loadHealthP99 < Self.healthTarget } }
    var abandonmentMet: Bool {
        !abandonment.isEmpty && abandonment.allSatisfy {
            $0.drainedAfter != nil && $0.heldAfterwards == (0, 0) && $0.nextRequest == .result
        }
    }
    var faultsMet: Bool {
        modelFaults.allSatisfy { $0.serverAnswers && !$0.healthReason.isEmpty && $0.requestOutcome == .error(.llmNotAvailable) }
            && shutdown.map { shutdown in
                shutdown.exitStatus == 0 && shutdown.exitSeconds < Double(shutdown.gracePeriod) + 5
                    && shutdown.outcomes.allSatisfy { $0 == .result || $0 == .error(.serverShuttingDown) }
            } ?? false
    }
    var soakMet: Bool {
        guard let soak else { return true }
        return soak.unexpected.isEmpty && memoryFlat(soak.residentMiB)
    }
    var allTargetsMet: Bool { loadMet && abandonmentMet && faultsMet && soakMet && (fuzzing?.passed ?? true) }

    private func memoryFlat(_ samples: [Double]) -> Bool {
        guard let start = samples.dropFirst().first, let end = samples.last else { return false }
        return end <= start * Self.memoryGrowthLimit
    }

    private static func verdict(_ met: Bool) -> String { met ? "**met**" : "**not met**" }

    func markdown() -> String {
        var lines: [String] = [
            "# Reliability",
            "",
            "Written by `make reliability`. Every trial talks to release builds of the server on loopback, and every one is bounded in count and time. The load and abandonment trials ran \(Self.count(load.count, "time")), each on a fresh server; the tables give every run, and the median where one is useful.",
            "",
            "- Machine: \(Machine.description)",
            "- Model: \(model); server settings: `\(serverSettings.joined(separator: " "))` (answers of up to 160 tokens, so that the trials load the server rather than measure the model's writing)",
            "- Command: `\(commands)`",
            "",
            "## Load: \(load.first.map { $0.outcomes.values.reduce(0, +) } ?? 0) concurrent streams at --parallel 4",
            "",
            "Target: every stream ends in a result or `SERVER_BUSY`, none hangs, and `/health` answers in under \(Int(Self.healthTarget)) ms at the 99th percentile throughout. The baseline is `/health` on the same server with nothing running, just before. \(Self.verdict(loadMet))",
            "",
            "| run | outcomes | seconds | /health p99 idle (ms) | /health p50 under load (ms) | p99 under load (ms) | slowest (ms) | failed probes |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for (index, run) in load.enumerated() {
            let outcomes = run.outcomes.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append("| \(index + 1) | \(outcomes) | \(Self.format(run.seconds, "%.0f")) | \(Self.format(run.idleHealthP99)) | \(Self.format(run.loadHealthP50)) | \(Self.format(run.loadHealthP99)) | \(Self.format(run.loadHealthMax)) | \(run.healthFailures) |")
        }
        if !load.isEmpty {
            lines.append("")
            lines.append("Median /health p99 under load: \(Sample(values: load.map(\.loadHealthP99)).formatted()) ms, against \(Sample(values: load.map(\.idleHealthP99)).formatted()) ms idle.")
        }
        lines += [
            "",
            "## Abandonment: \(abandonment.first.map { $0.leftDuring.values.reduce(0, +) } ?? 0) clients that leave at random moments",
            "",
            "Each client starts a stream (one every 40 ms) and leaves after a random 0.05–4 s, from a seeded generator: some while queued, some while the story is read, some while the answer is written. Target: afterwards no slot is held, the queue is empty, and the next request gets a normal result. The baseline is the same request on the same server just before. \(Self.verdict(abandonmentMet))",
            "",
            "| run | left while (last phase seen) | drained after (s) | running / waiting after | next request | next request (s) | baseline (s) |",
            "|---|---|---|---|---|---|---|",
        ]
        for (index, run) in abandonment.enumerated() {
            let phases = run.leftDuring.sorted { $0.value > $1.value }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append("| \(index + 1) | \(phases) | \(run.drainedAfter.map { Self.format($0) } ?? "not drained") | \(run.heldAfterwards.running) / \(run.heldAfterwards.waiting) | \(run.nextRequest) | \(Self.format(run.nextRequestSeconds)) | \(Self.format(run.baselineSeconds)) |")
        }
        lines += [
            "",
            "## Faults",
            "",
            "Target: with a bad model file the server still answers, `/health` says why, and requests get `LLM_NOT_AVAILABLE`; SIGTERM in the middle of a panel ends each answer with its result or `SERVER_SHUTTING_DOWN` and the server exits 0 within its grace. \(Self.verdict(faultsMet))",
            "",
            "| fault | server answers | /health says | a request gets |",
            "|---|---|---|---|",
        ]
        for fault in modelFaults {
            lines.append("| \(fault.label) | \(fault.serverAnswers ? "yes" : "no") | \(fault.healthReason.replacingOccurrences(of: "|", with: "\\|")) | \(fault.requestOutcome) |")
        }
        if let shutdown {
            let outcomes = Dictionary(grouping: shutdown.outcomes.map(\.description), by: { $0 }).map { "\($1.count) \($0)" }.sorted().joined(separator: ", ")
            lines.append("| SIGTERM while four raters write (--shutdown-grace \(shutdown.gracePeriod)) | exit status \(shutdown.exitStatus) after \(Self.format(shutdown.exitSeconds)) s | | \(outcomes) |")
        }
        lines += ["", "## Fuzzing", ""]
        if let fuzzing {
            lines.append("libFuzzer (`make fuzz`, `swift build -sanitize=fuzzer`) over the request decoder and validator (any bytes as a request body, laid out as a prompt when accepted) and over the answer guide and parser (any bytes as a model's answer, fed in pieces). Target: at least one million inputs each, no crash. \(Self.verdict(fuzzing.passed))")
            lines.append("")
            lines += fuzzing.lines.filter { $0.contains("inputs in") }.map { "- \($0)" }
            lines.append("")
            lines.append("The corpus (fuzz/corpus, merged to short inputs that reach new code), the seeds and any crasher (fuzz/crashers) are replayed by `make test`.")
        } else {
            lines.append("Not run (`--fuzz-runs 0`).")
        }
        lines += ["", "## Soak", ""]
        if let soak {
            let memory = soak.residentMiB
            lines.append("\(Self.count(Int(soak.minutes.rounded()), "minute")) of a steady mixed load from three clients at once: streams read to the end, synchronous requests, streams left half-way, invalid requests and health checks; \(soak.requests) requests in all. Target: resident memory flat (the last sample at most \(Int((Self.memoryGrowthLimit - 1) * 100)) % above the sample after the first half minute), and no failure the load did not ask for. \(Self.verdict(soakMet))")
            lines.append("")
            lines.append("- Resident memory (MiB), every half minute: start \(Self.format(memory.dropFirst().first ?? .nan, "%.0f")), end \(Self.format(memory.last ?? .nan, "%.0f")), highest \(Self.format(memory.max() ?? .nan, "%.0f")); all samples: \(memory.map { Self.format($0, "%.0f") }.joined(separator: ", "))")
            lines.append("- Outcomes: " + soak.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: "; "))
            lines.append("- Unexpected: " + (soak.unexpected.isEmpty ? "none" : soak.unexpected.map { "\($0.key) × \($0.value)" }.joined(separator: "; ")))
        } else {
            lines.append("Not run (`--soak-minutes 0`).")
        }
        if let attacks { lines += ["", attacks.markdown()] }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func count(_ value: Int, _ noun: String) -> String {
        "\(value) \(noun)\(value == 1 ? "" : "s")"
    }

    private static func format(_ value: Double, _ format: String = "%.1f") -> String {
        value.isNaN ? "–" : String(format: format, value)
    }
}
