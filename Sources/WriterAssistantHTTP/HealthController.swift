import Hummingbird
import WriterAssistantCore
import WriterAssistantLLM

/// `GET /` and `GET /health`: what the server is and whether its model can answer.
struct HealthController<Context: RequestContext> {
    let host: ModelHost
    let version: String

    struct Health: Encodable {
        var status: String
        var llmAvailable: Bool
        var llmLoading: Bool
        var llmError: String?
        var model: String?
        /// Requests the model is working on, and requests waiting for it.
        var activeRequests: Int?
        var queuedRequests: Int?

        enum CodingKeys: String, CodingKey {
            case status, model
            case llmAvailable = "llm_available"
            case llmLoading = "llm_loading"
            case llmError = "llm_error"
            case activeRequests = "active_requests"
            case queuedRequests = "queued_requests"
        }
    }

    struct ServiceInfo: Encodable {
        var name: String
        var version: String
        var llmStatus: String
        var endpoints: [String]

        enum CodingKeys: String, CodingKey {
            case name, version, endpoints
            case llmStatus = "llm_status"
        }
    }

    func addRoutes(to router: Router<Context>) {
        router.get("health") { _, _ in try Response.json(health()) }
        router.get("/") { _, _ in
            try Response.json(ServiceInfo(
                name: "Writer Assistant", version: version, llmStatus: llmStatus,
                endpoints: ["POST /api/v1/rater-feedback", "POST /api/v1/rater-feedback/stream", "GET /health"]))
        }
    }

    private var llmStatus: String {
        switch host.status {
        case .notConfigured: "not_configured"
        case .loading: "loading"
        case .ready: "ready"
        case .failed: "failed"
        }
    }

    private func health() -> Health {
        switch host.status {
        case .notConfigured:
            Health(status: "healthy", llmAvailable: false, llmLoading: false,
                   llmError: FeedbackFailure.modelNotConfigured.message)
        case .loading(let name):
            Health(status: "healthy", llmAvailable: false, llmLoading: true, model: name)
        case .ready(let model):
            Health(
                status: "healthy", llmAvailable: true, llmLoading: false, model: model.descriptor.name,
                activeRequests: model.load?.running, queuedRequests: model.load?.waiting)
        case .failed(let name, let reason):
            Health(status: "healthy", llmAvailable: false, llmLoading: false, llmError: reason, model: name)
        }
    }
}
