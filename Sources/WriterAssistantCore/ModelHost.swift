import Synchronization
package import WriterAssistantLLM

/// Where the model is in its life: the server answers from its first second, so requests may
/// arrive before, during or after loading.
package enum ModelStatus: Sendable {
    case notConfigured
    case loading(name: String)
    case ready(any LanguageModel)
    case failed(name: String, reason: String)
}

/// The one place that knows whether a model can serve requests right now.
package final class ModelHost: Sendable {
    private let state: Mutex<ModelStatus>

    package init(_ status: ModelStatus = .notConfigured) {
        state = Mutex(status)
    }

    package var status: ModelStatus {
        state.withLock { $0 }
    }

    package func update(_ status: ModelStatus) {
        state.withLock { $0 = status }
    }

    /// The model ready to serve, or the failure a client should see instead.
    package func readyModel() throws(OperationFailure) -> any LanguageModel {
        switch status {
        case .ready(let model): return model
        case .notConfigured: throw .modelNotConfigured
        case .loading(let name): throw .modelLoading(name)
        case .failed(let name, let reason): throw .modelFailedToLoad(name, reason: reason)
        }
    }
}
