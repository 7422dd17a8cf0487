import MeasurementSupport
import WriterAssistantTestSupport

/// llama-cpp-python's server serving the default model: the real peer of the remote engine's
/// tests, started and stopped by them. `make test` installs it.
typealias LlamaCppPeer = ModelServerProcess

extension ModelServerProcess {
    convenience init(interruptsRequests: Bool = false) {
        self.init(modelPath: TestModel.path, interruptsRequests: interruptsRequests)
    }
}
