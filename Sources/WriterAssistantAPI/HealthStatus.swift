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
    /// The model servers generating for this one (`--llm-url`), each with its own state.
    public var modelServers: [ModelServer]?
    /// The writer's library, when the server keeps one.
    public var library: LibraryHealth?

    public struct ModelServer: Codable, Sendable, Equatable {
        /// Scheme, host, port and path (when not just `/v1`); never credentials.
        public var address: String
        public var available: Bool
        public var error: String?
        /// Generations sent to it since the server started.
        public var generations: Int
        public var activeRequests: Int
        public var queuedRequests: Int

        public init(address: String, available: Bool, error: String? = nil, generations: Int, activeRequests: Int, queuedRequests: Int) {
            self.address = address
            self.available = available
            self.error = error
            self.generations = generations
            self.activeRequests = activeRequests
            self.queuedRequests = queuedRequests
        }

        enum CodingKeys: String, CodingKey {
            case address, available, error, generations
            case activeRequests = "active_requests"
            case queuedRequests = "queued_requests"
        }
    }

    public init(
        status: String = "healthy",
        llmAvailable: Bool,
        llmLoading: Bool,
        llmError: String? = nil,
        model: String? = nil,
        activeRequests: Int? = nil,
        queuedRequests: Int? = nil,
        modelServers: [ModelServer]? = nil,
        library: LibraryHealth? = nil
    ) {
        self.status = status
        self.llmAvailable = llmAvailable
        self.llmLoading = llmLoading
        self.llmError = llmError
        self.model = model
        self.activeRequests = activeRequests
        self.queuedRequests = queuedRequests
        self.modelServers = modelServers
        self.library = library
    }

    enum CodingKeys: String, CodingKey {
        case status, model, library
        case llmAvailable = "llm_available"
        case llmLoading = "llm_loading"
        case llmError = "llm_error"
        case activeRequests = "active_requests"
        case queuedRequests = "queued_requests"
        case modelServers = "model_servers"
    }
}

/// The library's part of `GET /health`: whether stories can be kept and read.
public struct LibraryHealth: Codable, Sendable, Equatable {
    public var available: Bool
    /// `opening`, `ready` or `failed` (a server without a library leaves `library` out).
    public var state: String
    /// Why it is not available (`failed`), or why its last change failed (`ready`: a full disk,
    /// a read-only file), in words a client may show.
    public var error: String?

    public init(available: Bool, state: String, error: String? = nil) {
        self.available = available
        self.state = state
        self.error = error
    }
}
