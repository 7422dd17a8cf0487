import ArgumentParser
import AsyncHTTPClient
import Foundation
import MeasurementSupport
import NIOCore
import WriterAssistantAPI
import WriterAssistantClient
import WriterAssistantLLM

/// `make reliability`: load, abandonment, faults, fuzzing and a soak against the release server
/// on loopback, each bounded in count and time. Writes RELIABILITY.md.
@main
struct ReliabilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writer-assistant-reliability",
        abstract: "Load, abandonment, fault, fuzz and soak trials of the server; writes RELIABILITY.md.")

    @Option(help: "The server executable (a release build).")
    var server = ".build/release/writer-assistant"

    @Option(help: "The GGUF model.")
    var modelPath = "models/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Option(help: "Port for the servers under test.")
    var port = 8079

    @Option(help: "Runs of the load and abandonment trials; medians are reported.")
    var runs = 3

    @Option(help: "Concurrent streams of the load trial.")
    var streams = 100

    @Option(help: "Clients of the abandonment trial.")
    var clients = 200

    @Option(help: "Minutes of the soak.")
    var soakMinutes = 30.0

    @Option(help: "Inputs per fuzzing harness (0 skips fuzzing).")
    var fuzzRuns = 1_000_000

    @Option(help: "Where to write the report.")
    var output = "RELIABILITY.md"

    @Option(help: "Runs of the attack trials; medians are reported.")
    var attackRuns = 3

    @Flag(help: "Run only the attack trials and put them in the report in place of the ones there.")
    var attacksOnly = false

    /// Short answers keep the trials about the server rather than the model's writing speed.
    static let sampling = SamplingParameters(maxTokens: 160)

    static let request = RaterFeedbackRequest(
        raterPrompt: "You are a pacing critic. Judge whether the scene moves at the right speed.",
        plotPoint: "Mara finds the lighthouse logbook and reads her father's last entry.",
        raterName: "Pacing",
        structuredContext: StructuredContext(
            storySummary: StorySummary(summary: "Mara returns to the island where her father kept the light."),
            characters: [StoryCharacter(name: "Mara", basicBio: "A ferry pilot who left the island at sixteen.")]))

    func run() async throws {
        if attacksOnly {
            let attacks = try await measureAttacks()
            return try replaceAttacks(in: output, with: attacks.markdown())
        }
        var report = ReliabilityReport(
            commands: "make reliability (writer-assistant-reliability --runs \(runs) --streams \(streams) --clients \(clients) "
                + "--soak-minutes \(Int(soakMinutes)) --fuzz-runs \(fuzzRuns))",
            model: URL(fileURLWithPath: modelPath).lastPathComponent)
        let streamHTTP = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 512)))
        let probeHTTP = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            try await runTrials(into: &report, streamHTTP: streamHTTP, probeHTTP: probeHTTP)
        } catch {
            try? await streamHTTP.shutdown()
            try? await probeHTTP.shutdown()
            throw error
        }
        try await streamHTTP.shutdown()
        try await probeHTTP.shutdown()

        report.attacks = try await measureAttacks()
        try report.markdown().write(toFile: output, atomically: true, encoding: .utf8)
        print("Wrote \(output)")
        if !report.allTargetsMet { throw ExitCode(1) }
    }

    private func runTrials(into report: inout ReliabilityReport, streamHTTP: HTTPClient, probeHTTP: HTTPClient) async throws {
        func apiClients(_ baseURL: String) -> (stream: WriterAssistantClient, probe: WriterAssistantClient) {
            (WriterAssistantClient(baseURL: baseURL, httpClient: streamHTTP), WriterAssistantClient(baseURL: baseURL, httpClient: probeHTTP))
        }

        if fuzzRuns > 0 {
            print("Fuzzing, \(fuzzRuns) inputs per harness…")
            report.fuzzing = try await FuzzTrial(runs: fuzzRuns).run()
        }

        for run in 1...runs {
            print("Load, run \(run) of \(runs)…")
            let process = try ServerProcess(
                executable: server, modelPath: modelPath, port: port, parallel: 4, sampling: Self.sampling)
            let (stream, probe) = apiClients(process.baseURL)
            try await process.waitUntilReady(probe)
            report.serverSettings = process.settings
            report.load.append(await LoadTrial(streams: streams, deadline: .seconds(900))
                .run(Self.request, streamClient: stream, probeClient: probe))
            print("Abandonment, run \(run) of \(runs)…")
            report.abandonment.append(await AbandonmentTrial(clients: clients, seed: UInt64(run))
                .run(Self.request, streamClient: stream, probeClient: probe))
            process.stop()
        }

        print("Faults…")
        let faults = FaultTrials(executable: server, modelPath: modelPath, port: port)
        report.modelFaults = try await faults.modelFaults(Self.request) { apiClients($0).probe }
        report.shutdown = try await faults.shutdownMidPanel(Self.request, grace: 2) { apiClients($0).stream }

        if soakMinutes > 0 {
            print("Soak, \(soakMinutes) minutes…")
            let process = try ServerProcess(
                executable: server, modelPath: modelPath, port: port, parallel: 4, sampling: Self.sampling)
            let (stream, probe) = apiClients(process.baseURL)
            try await process.waitUntilReady(probe)
            report.soak = await SoakTrial(duration: .seconds(soakMinutes * 60), workers: 3)
                .run(Self.request, server: process, client: stream,
                     invalid: InvalidRequests(httpClient: probeHTTP, baseURL: process.baseURL))
            process.stop()
        }
    }

    private func measureAttacks() async throws -> AttackTrials.Figures {
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(
            connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 1_024)))
        do {
            let figures = try await AttackTrials(executable: server, modelPath: modelPath, port: port, http: http).measure(runs: attackRuns)
            try await http.shutdown()
            return figures
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The report with its attack section replaced by `section` (or added at its end).
    private func replaceAttacks(in path: String, with section: String) throws {
        let report = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        guard let start = report.range(of: AttackTrials.Figures.heading) else {
            return try (report + "\n" + section + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let rest = report[start.upperBound...]
        let end = rest.range(of: "\n## ")?.lowerBound ?? report.endIndex
        try (report[..<start.lowerBound] + section + "\n" + report[end...]).write(toFile: path, atomically: true, encoding: .utf8)
        print("Wrote the attacks to \(path)")
    }
}
