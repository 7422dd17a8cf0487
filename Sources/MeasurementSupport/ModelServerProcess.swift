import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Foundation

/// llama-cpp-python's OpenAI-compatible server (the version `make setup` builds llama.cpp with)
/// on loopback: a real peer for the remote engine, for the tests and the pool's benchmark.
/// `scripts/setup.sh --model-server` installs its Python packages.
package final class ModelServerProcess: @unchecked Sendable {
    package let port: Int
    private let modelPath: String
    private let settings: Settings
    private var process: Process?

    /// How the server is started.
    package enum Settings: Sendable {
        /// Its own defaults, as a user starts it: a 2,048-token context, half the cores, and
        /// the answer being written cut off when another request arrives.
        case serversDefaults
        /// A 4,096-token context and the threads given; `interruptsRequests` false makes
        /// requests wait their turn rather than cut off the answer being written.
        case tuned(threads: Int, interruptsRequests: Bool)

        var arguments: [String] {
            switch self {
            case .serversDefaults:
                []
            case .tuned(let threads, let interruptsRequests):
                ["--n_ctx", "4096", "--n_threads", "\(threads)", "--interrupt_requests", interruptsRequests ? "True" : "False"]
            }
        }
    }

    /// A random port below the range the kernel hands out for outgoing connections (from 32768).
    package init(modelPath: String, port: Int = Int.random(in: 20_000..<30_000), settings: Settings = .tuned(threads: 2, interruptsRequests: false)) {
        self.modelPath = modelPath
        self.port = port
        self.settings = settings
    }

    package var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Where the setup script put llama-cpp-python and the server's packages.
    package static var pythonPath: String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["WRITER_ASSISTANT_CACHE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")) + "/writer-assistant")
        return ["llama-cpp-python-0.3.36", "llama-cpp-server"].map { cache + "/" + $0 }.joined(separator: ":")
    }

    /// Starts the server and returns once it lists its model.
    package func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-m", "llama_cpp.server", "--model", modelPath, "--host", "127.0.0.1",
            "--port", "\(port)",
        ] + settings.arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = Self.pythonPath
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw FailedToStart(reason: "exited with \(process.terminationStatus)") }
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: baseURL + "/models"), timeout: .seconds(2)),
               response.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        stop()
        throw FailedToStart(reason: "not listening after 90 s")
    }

    /// Kills the server at once, as a crash would. (Its graceful stop waits for every client's
    /// idle keep-alive connection to close; it keeps nothing worth a graceful stop.)
    package func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    package func stop() {
        kill()
    }

    deinit { stop() }

    package struct FailedToStart: Error, CustomStringConvertible {
        var reason: String
        package var description: String { "llama-cpp-python's server did not start (\(reason)); run scripts/setup.sh --model-server" }
    }
}
