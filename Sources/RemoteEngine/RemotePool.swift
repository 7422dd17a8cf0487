import Logging
import Synchronization
public import WriterAssistantLLM

/// Several model servers serving the same model, used as one: each generation goes to the
/// upstream `UpstreamRouter` ranks first for its story, and moves on to the next before its first
/// piece of text if that one is full, busy or away. Never after: a writer must not read an answer
/// spliced from two.
///
/// While `watchServers` runs, each upstream is asked for its models every few seconds; one that
/// stops answering is taken out (and named in `/health`), one that answers again comes back. A
/// single `--llm-url` is a pool of one, so that the health checks serve it too.
public final class RemotePool: ModelServerPool {
    public struct Configuration: Sendable {
        public var upstreams: [RemoteEngine.Configuration]
        public var routing: UpstreamRouter.Policy
        /// How often each upstream is asked whether it answers.
        public var checkInterval: Duration

        public init(
            upstreams: [RemoteEngine.Configuration], routing: UpstreamRouter.Policy = .story,
            checkInterval: Duration = .seconds(5)
        ) {
            self.upstreams = upstreams
            self.routing = routing
            self.checkInterval = checkInterval
        }

        /// What to call the model before the pool has connected.
        public var modelName: String {
            upstreams.first?.model ?? upstreams.map(\.displayName).joined(separator: ", ")
        }
    }

    private struct State: Sendable {
        var health: [UpstreamHealth]
        /// Round-robin's position.
        var turn = 0
        /// Generations routed to each upstream and not yet handed to it. Counted with the ones it
        /// holds, so that requests arriving together see each other: without them, a panel of
        /// raters routed at once all find the story's upstream free and queue there one behind
        /// another while the others stand idle.
        var reserved: [Int]
    }

    private let upstreams: [RemoteEngine]
    private let router: UpstreamRouter
    private let state: Mutex<State>
    private static let logger = Logger(label: "writer-assistant.remote")

    private let checkInterval: Duration

    private init(upstreams: [RemoteEngine], health: [UpstreamHealth], routing: UpstreamRouter.Policy, checkInterval: Duration) {
        self.upstreams = upstreams
        self.checkInterval = checkInterval
        router = UpstreamRouter(policy: routing)
        state = Mutex(State(health: health, reserved: Array(repeating: 0, count: upstreams.count)))
    }

    /// Asks every upstream for its models. Those that answer serve at once; the others are left
    /// out until they answer a health check (see `watchServers`), and when none answers the pool
    /// starts with all of them out (`unavailability` says why) rather than needing a restart once
    /// they are up. Any upstream that answered but refused the configuration (the key, the path)
    /// fails the start: waiting will not mend that.
    public static func connect(_ configuration: Configuration) async throws -> RemotePool {
        guard !configuration.upstreams.isEmpty else {
            throw LanguageModelError.peerUnavailable(reason: "no model server was given (--llm-url)")
        }
        let engines = configuration.upstreams.map(RemoteEngine.init)
        let failures = await withTaskGroup(of: (Int, (any Error)?).self) { group in
            for (index, engine) in engines.enumerated() {
                group.addTask {
                    do {
                        try await engine.check(within: configuration.upstreams[index].connectTimeout)
                        return (index, nil)
                    } catch {
                        return (index, error)
                    }
                }
            }
            var failures = [(any Error)?](repeating: nil, count: engines.count)
            for await (index, failure) in group { failures[index] = failure }
            return failures
        }
        // The key and the path are the same for every server: one refusing them is a mistake to
        // mend before serving, not an outage to wait out.
        if let misconfigured = failures.lazy.compactMap({ $0 as? RemoteEngine.CheckFailure }).first(where: { $0.kind == .misconfigured }) {
            engines.forEach { $0.shutdown() }
            throw misconfigured.error
        }
        for (index, failure) in failures.enumerated() {
            if let failure {
                logger.warning("A model server does not answer; it is left out until it does", metadata: [
                    "server": "\(configuration.upstreams[index].displayName)", "reason": "\(failure)",
                ])
            }
        }
        return RemotePool(
            upstreams: engines,
            health: failures.map { failure in
                failure.map { UpstreamHealth(isUp: false, reason: Self.reason($0)) } ?? UpstreamHealth()
            },
            routing: configuration.routing,
            checkInterval: configuration.checkInterval)
    }

    private static func reason(_ error: any Error) -> String {
        (error as? LanguageModelError)?.description ?? "\(error)"
    }

    public var descriptor: ModelDescriptor {
        let health = state.withLock { $0.health }
        let named = upstreams.indices.first { health[$0].isUp } ?? 0
        return ModelDescriptor(
            name: upstreams[named].descriptor.name,
            contextLength: upstreams.map(\.descriptor.contextLength).min() ?? 0,
            countsTokensExactly: false)
    }

    /// Every upstream estimates alike: the pool's first speaks for all.
    public func countTokens(_ text: String) async throws -> Int {
        try await upstreams[0].countTokens(text)
    }

    public func prepare(_ messages: [ChatMessage]) async throws -> PreparedPrompt {
        try await upstreams[0].prepare(messages)
    }

    public var load: ModelLoad? {
        upstreams.compactMap(\.load).reduce(ModelLoad(running: 0, waiting: 0)) {
            ModelLoad(running: $0.running + $1.running, waiting: $0.waiting + $1.waiting)
        }
    }

    public var unavailability: String? {
        let health = state.withLock { $0.health }
        guard !health.contains(where: \.isUp) else { return nil }
        return health.compactMap(\.reason).joined(separator: "; ")
    }

    public var servers: [ModelServerStatus] {
        let health = state.withLock { $0.health }
        return zip(upstreams, health).map { engine, health in
            ModelServerStatus(
                address: engine.label, isAvailable: health.isUp, reason: health.reason,
                generations: engine.generationsTaken, load: engine.load ?? ModelLoad(running: 0, waiting: 0))
        }
    }

    public struct UpstreamStatus: Sendable, Equatable {
        /// The API base as configured, credentials included: never for display.
        public var endpoint: String
        public var health: UpstreamHealth
        public var generationsTaken: Int
        /// The dialect it is spoken to in (`auto` until it was reached).
        public var dialect: RemoteDialect
    }

    /// Where each upstream stands, in the order they were configured.
    public var upstreamStatus: [UpstreamStatus] {
        let health = state.withLock { $0.health }
        return zip(upstreams, health).map { UpstreamStatus(
            endpoint: $0.endpoint, health: $1, generationsTaken: $0.generationsTaken, dialect: $0.resolvedDialect) }
    }

    public func shutdown() {
        upstreams.forEach { $0.shutdown() }
    }

    /// What the story's upstream is chosen by: the story, and the writer's cache partition, so
    /// that where one writer's story is cached (and how fast it answers) says nothing of another's.
    static func routingKey(of request: GenerationRequest) -> String {
        (request.cachePartition ?? "") + "\u{0}" + (request.affinity ?? request.prompt.messages.first?.content ?? "")
    }

    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, any Error> {
        let (events, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        let key = Self.routingKey(of: request)
        let order = state.withLock { state in
            state.turn &+= 1
            let order = router.order(key: key, turn: state.turn, upstreams.indices.map { index in
                var view = upstreams[index].routingView(isUp: state.health[index].isUp)
                view.inFlight += state.reserved[index]
                return view
            })
            if let first = order.first { state.reserved[first] += 1 }
            return order
        }
        let work = Task { [self] in
            var announced = false
            var lastFailure = LanguageModelError.queueFull(limit: upstreams.map(\.queueLimit).reduce(0, +))
            var reservation = order.first
            // Given back however the loop ends, the first upstream's once it holds the generation.
            defer { if let reservation { state.withLock { $0.reserved[reservation] -= 1 } } }
            for index in order {
                // A writer who left while one upstream failed wants no answer from the next.
                if Task.isCancelled { break }
                var wrote = false
                let events: AsyncThrowingStream<GenerationEvent, any Error>
                if let held = reservation {
                    // Handed over under the lock, so that no router counts it twice meanwhile.
                    events = state.withLock { state in
                        state.reserved[held] -= 1
                        return upstreams[index].generate(request)
                    }
                    reservation = nil
                } else {
                    events = upstreams[index].generate(request)
                }
                do {
                    for try await event in events {
                        switch event {
                        case .promptEvaluationStarted:
                            // Said once, however many upstreams the request meets.
                            if announced { continue }
                            announced = true
                        case .text, .finished:
                            if !wrote {
                                wrote = true
                                record(index) { $0.answered() }
                            }
                        case .promptEvaluationProgress:
                            break
                        }
                        continuation.yield(event)
                    }
                    continuation.finish()
                    return
                } catch let failure as LanguageModelError where !wrote && failure.mayGoElsewhere {
                    if case .peerUnavailable(let reason) = failure { record(index) { $0.unreachable(reason) } }
                    Self.logger.notice("A model server could not take a generation; trying the next", metadata: [
                        "server": "\(upstreams[index].displayName)", "error": "\(failure)",
                    ])
                    lastFailure = failure
                } catch let failure as LanguageModelError where !wrote {
                    // It took the generation and failed it before writing (refused it, broke off,
                    // went silent): twice in a row takes it out, as two missed checks do, since a
                    // server that hangs while busy is never idle enough to be checked.
                    if case .peerFailed(let reason) = failure { record(index) { $0.missedCheck(reason) } }
                    continuation.finish(throwing: failure)
                    return
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish(throwing: lastFailure)
        }
        continuation.onTermination = { _ in work.cancel() }
        return events
    }

    /// Generations routed to each upstream and not yet handed to it: none once all have started.
    var reservations: [Int] { state.withLock { $0.reserved } }

    private func record(_ index: Int, _ change: (inout UpstreamHealth) -> Void) {
        let (was, now) = state.withLock { state in
            let was = state.health[index]
            change(&state.health[index])
            return (was, state.health[index])
        }
        Self.logChange(upstreams[index].displayName, from: was, to: now)
    }

    public func watchServers() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: checkInterval) } catch { return }
            await checkEveryUpstream(within: max(checkInterval, .seconds(5)))
        }
    }

    /// Checks the upstreams that are idle or out. One that is writing answers shows it is up by
    /// them, and a check could harm them: llama-cpp-python's server lists its models only between
    /// generations, and by default cuts off the one running to do so. Only a refused connection
    /// or a refusing answer is a missed check: a slow one may be busy with another replica's work.
    private func checkEveryUpstream(within limit: Duration) async {
        let health = state.withLock { $0.health }
        await withTaskGroup(of: Void.self) { group in
            for (index, engine) in upstreams.enumerated() where !health[index].isUp || engine.isIdle {
                group.addTask { [self] in
                    do {
                        try await engine.check(within: limit)
                        record(index) { $0.answered() }
                    } catch let failure as RemoteEngine.CheckFailure where failure.kind == .slow {
                        // It took the connection: busy with another replica's answers, or hung;
                        // generations tell those apart (see `generate`).
                    } catch {
                        // A check cut short by the watch ending (at shutdown) says nothing of the server.
                        guard !Task.isCancelled else { return }
                        record(index) { $0.missedCheck(Self.reason(error)) }
                    }
                }
            }
        }
    }

    private static func logChange(_ address: String, from was: UpstreamHealth, to now: UpstreamHealth) {
        if was.isUp, !now.isUp {
            logger.warning("A model server stopped answering; it is left out until it answers", metadata: [
                "server": "\(address)", "reason": "\(now.reason ?? "")",
            ])
        } else if !was.isUp, now.isUp {
            logger.notice("A model server answers again", metadata: ["server": "\(address)"])
        }
    }
}

extension LanguageModelError {
    /// Failures that say nothing was written and another upstream may well take the generation.
    var mayGoElsewhere: Bool {
        switch self {
        case .peerUnavailable, .peerBusy, .queueFull: true
        default: false
        }
    }
}
