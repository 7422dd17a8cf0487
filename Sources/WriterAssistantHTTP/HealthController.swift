import Hummingbird
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLibrary
import WriterAssistantLLM

/// `GET /` and `GET /health`: what the server is and whether its model can answer.
struct HealthController<Context: RequestContext> {
    let host: ModelHost
    let library: LibraryHost
    let version: String
    /// Whether `/health` names each model server (`model_servers`) and says why the model cannot
    /// answer: only where the writer runs the server (no keys), since `/health` needs no key.
    /// Otherwise its reasons are fixed words, and the details are in the log and `/metrics`.
    var listsModelServers = true

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
                endpoints: WritingOperations.all.map { $0.operationName }
                    .flatMap { ["POST /api/v1/\($0)", "POST /api/v1/\($0)/stream", "POST /api/v1/\($0)/preview"] }
                    + ["POST /api/v1/tokens", "GET /api/v1/stories", "GET /api/v1/search", "POST /api/v1/archive/search", "GET /health", "GET /metrics", "GET /api/v1/openapi.json"]))
        }
    }

    private var llmStatus: String {
        switch host.status {
        case .notConfigured: "not_configured"
        case .loading: "loading"
        case .ready(let model): (model as? any ModelServerPool)?.unavailability == nil ? "ready" : "unavailable"
        case .failed: "failed"
        }
    }

    private func health() -> HealthStatus {
        var status = modelHealth()
        status.library = switch library.status {
        case .off: nil
        case .opening: LibraryHealth(available: false, state: "opening")
        case .ready(let library): LibraryHealth(available: true, state: "ready", error: library.problem)
        case .failed(let reason): LibraryHealth(available: false, state: "failed", error: reason)
        }
        return status
    }

    private func modelHealth() -> HealthStatus {
        let status = host.status
        var health = detailedModelHealth(status)
        // Not being configured is said in fixed words already.
        let configured = if case .notConfigured = status { false } else { true }
        if !listsModelServers, configured, health.llmError != nil {
            health.llmError = OperationFailure.modelUnavailableMessage
        }
        // Nor is a model server's address, where a pool goes by it.
        if !listsModelServers { health.model = health.model.map(ModelDescriptor.publicName) }
        return health
    }

    private func detailedModelHealth(_ status: ModelStatus) -> HealthStatus {
        switch status {
        case .notConfigured:
            HealthStatus(llmAvailable: false, llmLoading: false, llmError: OperationFailure.modelNotConfigured.message)
        case .loading(let name):
            HealthStatus(llmAvailable: false, llmLoading: true, model: name)
        case .ready(let model):
            healthOfReady(model)
        case .failed(let name, let reason):
            HealthStatus(llmAvailable: false, llmLoading: false, llmError: reason, model: name)
        }
    }

    private func healthOfReady(_ model: any LanguageModel) -> HealthStatus {
        // Read once each, so that what one response says agrees with itself.
        let pool = model as? any ModelServerPool
        let unavailability = pool?.unavailability
        let load = model.load
        let servers = listsModelServers ? pool?.servers ?? [] : []
        return HealthStatus(
            llmAvailable: unavailability == nil, llmLoading: false, llmError: unavailability,
            model: model.descriptor.name, activeRequests: load?.running, queuedRequests: load?.waiting,
            modelServers: servers.isEmpty ? nil : servers.map { server in
                HealthStatus.ModelServer(
                    address: server.address, available: server.isAvailable, error: server.reason,
                    generations: server.generations, activeRequests: server.load.running, queuedRequests: server.load.waiting)
            })
    }
}
