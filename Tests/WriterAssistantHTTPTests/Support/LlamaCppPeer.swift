import MeasurementSupport
import WriterAssistantTestSupport

/// llama-cpp-python's server serving the default model: the real peer of the remote engine's
/// tests, started and stopped by them. `make test` installs it.
typealias LlamaCppPeer = ModelServerProcess

extension ModelServerProcess {
    convenience init(settings: Settings = .tuned(threads: 2, interruptsRequests: false)) {
        self.init(modelPath: TestModel.path, settings: settings)
    }
}
