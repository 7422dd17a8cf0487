/// An engine that generates on model servers it watches: what `/health` and `/metrics` show of
/// them, and the loop that finds out whether they answer. Engines in this process are not pools.
public protocol ModelServerPool: LanguageModel {
    /// Why the model cannot answer now though it was ready (no server answers), or nil while it
    /// can.
    var unavailability: String? { get }

    /// The model servers it generates on, in the order they were configured.
    var servers: [ModelServerStatus] { get }

    /// Checks the servers, again and again, until the calling task is cancelled: run by the
    /// service that loaded the pool, so that the checks stop with the service group.
    func watchServers() async
}

/// One model server an engine generates on, as `/health` and `/metrics` show it.
public struct ModelServerStatus: Sendable, Equatable {
    /// Scheme, host, port and path (when not just `/v1`): never credentials.
    public var address: String
    public var isAvailable: Bool
    /// Why it is out, while it is.
    public var reason: String?
    /// Generations sent to it since the server started.
    public var generations: Int
    public var load: ModelLoad

    public init(address: String, isAvailable: Bool, reason: String? = nil, generations: Int, load: ModelLoad) {
        self.address = address
        self.isAvailable = isAvailable
        self.reason = reason
        self.generations = generations
        self.load = load
    }
}

