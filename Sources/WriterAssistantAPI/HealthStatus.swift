/// What `GET /health` reports.
public struct HealthStatus: Codable, Sendable, Equatable {
    public var status: String
    public var llmAvailable: Bool
    public var llmLoading: Bool
    public var llmError: String?
    public var model: String?
    /// Requests the model is working on, and requests waiting for it.
    public var activeRequests: Int?
    public var queuedRequests: Int?

    public init(
        status: String = "healthy",
        llmAvailable: Bool,
        llmLoading: Bool,
        llmError: String? = nil,
        model: String? = nil,
        activeRequests: Int? = nil,
        queuedRequests: Int? = nil
    ) {
        self.status = status
        self.llmAvailable = llmAvailable
        self.llmLoading = llmLoading
        self.llmError = llmError
        self.model = model
        self.activeRequests = activeRequests
        self.queuedRequests = queuedRequests
    }

    enum CodingKeys: String, CodingKey {
        case status, model
        case llmAvailable = "llm_available"
        case llmLoading = "llm_loading"
        case llmError = "llm_error"
        case activeRequests = "active_requests"
        case queuedRequests = "queued_requests"
    }
}
