import Foundation
import Testing
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import RemoteEngine

/// A pool of scripted peers: where generations go, what happens when one cannot take them, and
/// how the health checks take an upstream out and bring it back.
@Suite struct RemotePoolTests {
    static let pieces = RemoteEngineTests.answer.chunked(into: 9)

    static func request(story: String) -> GenerationRequest {
        GenerationRequest(
            prompt: TokenEstimate.prompt([ChatMessage(role: .user, content: "\(story)\n\nRate it.")]),
            sampling: SamplingParameters(maxTokens: 100), affinity: story)
    }

    static func pool(_ urls: [String], checkInterval: Duration = .seconds(60)) async throws -> RemotePool {
        try await RemotePool.connect(.init(
            upstreams: urls.map { RemoteEngine.Configuration(baseURL: $0, connectTimeout: .seconds(2)) },
            checkInterval: checkInterval))
    }

    /// Runs `body` while the pool checks its upstreams, as the service that loads it has it do.
    static func whileWatching<T: Sendable>(_ pool: RemotePool, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.watchServers() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// The events of one generation, or the error that ended it.
    static func run(_ pool: RemotePool, story: String) async -> (events: [GenerationEvent], failure: (any Error)?) {
        var events: [GenerationEvent] = []
        do {
            for try await event in pool.generate(request(story: story)) { events.append(event) }
            return (events, nil)
        } catch {
            return (events, error)
        }
    }

    /// Story keys that story-aware routing sends to `preferred` first, among `urls` (as the pool
    /// spells them), so that a test does not hang on which port the system gave each peer.
    static func stories(preferring preferred: String, among urls: [String], count: Int) -> [String] {
        let upstreams = urls.map { UpstreamRouter.Upstream(address: $0, parallel: 4, queueLimit: 64) }
        guard let index = urls.firstIndex(of: preferred) else { return [] }
        var stories: [String] = []
        var number = 0
        while stories.count < count {
            let story = "story \(number)"
            if UpstreamRouter().order(key: RemotePool.routingKey(of: request(story: story)), upstreams).first == index {
                stories.append(story)
            }
            number += 1
        }
        return stories
    }

    /// Two scripted peers serving at once.
    static func withTwo<T: Sendable>(
        _ first: ScriptedPeer, _ second: ScriptedPeer, _ body: @Sendable (String, String) async throws -> T
    ) async throws -> T {
        try await first.serve { a in try await second.serve { b in try await body(a, b) } }
    }

    @Test func aStorysUpstreamIsChosenPerWriter() {
        var mine = Self.request(story: "The lighthouse keeper's daughter")
        mine.cachePartition = "aaaa"
        var theirs = mine
        theirs.cachePartition = "bbbb"
        var again = Self.request(story: "The lighthouse keeper's daughter")
        again.cachePartition = "aaaa"
        #expect(RemotePool.routingKey(of: mine) == RemotePool.routingKey(of: again))
        #expect(RemotePool.routingKey(of: mine) != RemotePool.routingKey(of: theirs))
        // Over many stories, writers' choices differ: the choice depends on the writer too.
        let upstreams = (0..<4).map { UpstreamRouter.Upstream(address: "http://10.0.0.\($0):8080", parallel: 4, queueLimit: 64) }
        let differing = (0..<64).filter { number in
            var a = Self.request(story: "story \(number)"), b = a
            a.cachePartition = "aaaa"
            b.cachePartition = "bbbb"
            return UpstreamRouter().order(key: RemotePool.routingKey(of: a), upstreams).first
                != UpstreamRouter().order(key: RemotePool.routingKey(of: b), upstreams).first
        }
        #expect(differing.count > 16)
    }

    @Test func everyGenerationOnOneStoryGoesToOneUpstream() async throws {
        let a = ScriptedPeer(.answer(Self.pieces)), b = ScriptedPeer(.answer(Self.pieces))
        try await Self.withTwo(a, b) { first, second in
            let pool = try await Self.pool([first, second])
            defer { pool.shutdown() }
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { _ = await Self.run(pool, story: "The lighthouse keeper's story") } }
            }
            let taken = pool.upstreamStatus.map(\.generationsTaken)
            #expect(taken.sorted() == [0, 4], "\(taken)")
            // Stories that prefer each upstream go to it.
            for url in [first, second] {
                for story in Self.stories(preferring: url, among: [first, second], count: 2) { _ = await Self.run(pool, story: story) }
            }
            #expect(pool.upstreamStatus.map(\.generationsTaken).sorted() == [2, 6])
        }
    }

    @Test func replicasThatListTheSameUpstreamsSendAStoryToTheSameOneWithoutTalking() async throws {
        let a = ScriptedPeer(.answer(Self.pieces)), b = ScriptedPeer(.answer(Self.pieces))
        try await Self.withTwo(a, b) { first, second in
            let replicas = [try await Self.pool([first, second]), try await Self.pool([second, first])]
            defer { replicas.forEach { $0.shutdown() } }
            for story in 0..<6 {
                let before = (a.requests.count, b.requests.count)
                _ = await Self.run(replicas[0], story: "story \(story)")
                _ = await Self.run(replicas[1], story: "story \(story)")
                let added = (a.requests.count - before.0, b.requests.count - before.1)
                #expect(added == (2, 0) || added == (0, 2), "story \(story): \(added)")
            }
        }
    }

    /// Generations routed at the same moment see each other: a panel of four raters on one story,
    /// sent to two upstreams that each write one answer at a time (llama-cpp-python's server), is
    /// shared two and two, rather than queued four deep on the story's upstream beside an idle one.
    @Test func generationsRoutedTogetherOverflowToAnIdleUpstream() async throws {
        let a = ScriptedPeer(.answer(Self.pieces, pause: .milliseconds(30)))
        let b = ScriptedPeer(.answer(Self.pieces, pause: .milliseconds(30)))
        try await Self.withTwo(a, b) { first, second in
            let pool = try await RemotePool.connect(.init(
                upstreams: [first, second].map { RemoteEngine.Configuration(baseURL: $0, parallel: 1, connectTimeout: .seconds(2)) },
                checkInterval: .seconds(60)))
            defer { pool.shutdown() }
            // Routed one after another before any has reached its upstream.
            let streams = (0..<4).map { _ in pool.generate(Self.request(story: "The lighthouse keeper's story")) }
            let answers = await withTaskGroup(of: String.self) { group in
                for stream in streams {
                    group.addTask {
                        var text = ""
                        do {
                            for try await event in stream { if case .text(let piece) = event { text += piece } }
                        } catch {
                            return "failed: \(error)"
                        }
                        return text
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(answers == Array(repeating: RemoteEngineTests.answer, count: 4))
            #expect(pool.upstreamStatus.map(\.generationsTaken) == [2, 2])
            // A routed generation dropped before it started gives its place back too.
            _ = pool.generate(Self.request(story: "The lighthouse keeper's story"))
            try await Task.sleep(for: .milliseconds(300))
            #expect(pool.reservations == [0, 0])
        }
    }

    @Test func aBusyUpstreamPassesTheGenerationToTheNextBeforeItsFirstToken() async throws {
        let busy = ScriptedPeer(.status(503)), ready = ScriptedPeer(.answer(Self.pieces))
        try await Self.withTwo(busy, ready) { busyURL, readyURL in
            let pool = try await Self.pool([busyURL, readyURL])
            defer { pool.shutdown() }
            for story in Self.stories(preferring: busyURL, among: [busyURL, readyURL], count: 3) {
                let (events, failure) = await Self.run(pool, story: story)
                #expect(failure == nil)
                let started = events.filter { if case .promptEvaluationStarted = $0 { true } else { false } }
                #expect(started.count == 1, "evaluation is announced once, whichever upstream answers")
                #expect(events.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined() == RemoteEngineTests.answer)
            }
            #expect(busy.requests.count == 3, "each tried the busy one first")
            #expect(ready.requests.count == 3)
        }
    }

    /// A request the peer read before its connection closed may be running there (or have
    /// crashed it): sending it to the next would run it twice, or crash every server in turn.
    @Test func aRequestWhoseConnectionClosedAfterItWasSentIsNotReplayedElsewhere() async throws {
        let closing = ClosingPeer(), ready = ScriptedPeer(.answer(Self.pieces))
        try await closing.serve { closingURL in
            try await ready.serve { readyURL in
                let pool = try await Self.pool([closingURL, readyURL])
                defer { pool.shutdown() }
                let stories = Self.stories(preferring: closingURL, among: [closingURL, readyURL], count: 1)
                let (_, failure) = await Self.run(pool, story: try #require(stories.first))
                guard case .peerFailed = failure as? LanguageModelError else {
                    Issue.record("expected the generation to fail, not \(String(describing: failure))")
                    return
                }
            }
        }
        #expect(closing.requests == 1)
        #expect(ready.requests.isEmpty, "the request was replayed on the next server")
    }

    @Test func anUpstreamThatCannotBeReachedIsTakenOutAndTheOtherAnswers() async throws {
        let gone = try await ScriptedPeer(.status(200)).serve { $0 }  // a port just freed
        let ready = ScriptedPeer(.answer(Self.pieces))
        try await ready.serve { readyURL in
            let pool = try await Self.pool([gone, readyURL])
            defer { pool.shutdown() }
            #expect(pool.upstreamStatus.map(\.health.isUp) == [false, true], "it did not answer at startup")
            #expect(pool.unavailability == nil)
            for story in 0..<4 {
                #expect(await Self.run(pool, story: "story \(story)").failure == nil)
            }
            #expect(ready.requests.count == 4)
        }
        // With none answering, the pool starts with all out and says why, rather than needing a restart.
        let alone = try await Self.pool([gone])
        defer { alone.shutdown() }
        #expect(alone.unavailability?.contains("did not answer") == true, "\(String(describing: alone.unavailability))")
        guard case .peerUnavailable = await Self.run(alone, story: "any").failure as? LanguageModelError else {
            Issue.record("a generation with no server answering must say the model is unavailable")
            return
        }
    }

    @Test func aPoolStartedBeforeItsServerServesOnceTheServerIsUp() async throws {
        let url = try await ScriptedPeer(.status(200)).serve { $0 }  // a port just freed
        let port = try #require(URL(string: url)?.port)
        let pool = try await Self.pool([url], checkInterval: .milliseconds(100))
        defer { pool.shutdown() }
        #expect(pool.unavailability != nil)
        try await Self.whileWatching(pool) {
            try await ScriptedPeer(.answer(Self.pieces)).serve(port: port) { _ in
                try await Self.waitUntil { pool.unavailability == nil }
                #expect(pool.descriptor.name == "scripted-peer-model", "the model it serves, learnt once it answered")
                #expect(await Self.run(pool, story: "now").failure == nil)
            }
        }
    }

    @Test func aPoolWithAServerThatRefusesTheKeyDoesNotStart() async throws {
        try await Self.withTwo(ScriptedPeer(.status(200)), ScriptedPeer(.status(200), modelsStatus: 401)) { good, refusing in
            do {
                _ = try await Self.pool([good, refusing])
                Issue.record("started with a refused key")
            } catch let error as LanguageModelError {
                guard case .peerUnavailable(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("--llm-api-key"))
            }
        }
    }

    @Test func anAnswerThatBreaksOffAfterItsFirstTokenIsNotRetriedElsewhere() async throws {
        let breaking = ScriptedPeer(.breakOff(after: Array(Self.pieces.prefix(3))))
        let other = ScriptedPeer(.breakOff(after: Array(Self.pieces.prefix(3))))
        try await Self.withTwo(breaking, other) { first, second in
            let pool = try await Self.pool([first, second])
            defer { pool.shutdown() }
            let (events, failure) = await Self.run(pool, story: "one story")
            #expect(events.contains { if case .text = $0 { true } else { false } })
            guard case .peerFailed = failure as? LanguageModelError else { Issue.record("\(String(describing: failure))"); return }
        }
        #expect(breaking.requests.count + other.requests.count == 1, "a writer never reads an answer spliced from two")
    }

    @Test func healthChecksTakeARefusingUpstreamOutAndBringItBack() async throws {
        let peer = ScriptedPeer(.answer(Self.pieces))
        try await peer.serve { url in
            let pool = try await Self.pool([url], checkInterval: .milliseconds(100))
            defer { pool.shutdown() }
            #expect(pool.unavailability == nil)
            try await Self.whileWatching(pool) {
                peer.answerHealthChecks(with: 503)
                try await Self.waitUntil { pool.unavailability != nil }
                #expect(pool.unavailability?.contains("503") == true)
                peer.answerHealthChecks(with: 200)
                try await Self.waitUntil { pool.unavailability == nil }
                #expect(await Self.run(pool, story: "after").failure == nil)
            }
        }
    }

    @Test func healthChecksRunOnlyWhileWatchedAndEndWithTheirTask() async throws {
        let peer = ScriptedPeer(.answer(Self.pieces))
        try await peer.serve { url in
            let pool = try await Self.pool([url], checkInterval: .milliseconds(50))
            defer { pool.shutdown() }
            let connected = peer.modelListings
            try await Task.sleep(for: .milliseconds(300))
            #expect(peer.modelListings == connected, "nothing checks a pool nobody watches")
            let watching = Task { await pool.watchServers() }
            try await Self.waitUntil { peer.modelListings > connected + 1 }
            watching.cancel()
            await watching.value
            // A check sent as it was cancelled may still be arriving.
            try await Task.sleep(for: .milliseconds(100))
            let stopped = peer.modelListings
            try await Task.sleep(for: .milliseconds(300))
            #expect(peer.modelListings == stopped, "the checks ended with the task that ran them")
        }
    }

    static func waitUntil(_ condition: @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("the condition never held"); return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func anUpstreamThatHangsBeforeAnsweringIsTakenOutAfterTwoFailures() async throws {
        let hung = ScriptedPeer(.fallSilent(after: [])), ready = ScriptedPeer(.answer(Self.pieces))
        try await Self.withTwo(hung, ready) { hungURL, readyURL in
            let pool = try await RemotePool.connect(.init(
                upstreams: [hungURL, readyURL].map { RemoteEngine.Configuration(baseURL: $0, readTimeout: .milliseconds(500)) },
                checkInterval: .seconds(60)))
            defer { pool.shutdown() }
            let stories = Self.stories(preferring: hungURL, among: [hungURL, readyURL], count: 3)
            for story in stories.prefix(2) {
                guard case .peerFailed = await Self.run(pool, story: story).failure as? LanguageModelError else {
                    Issue.record("a server that hangs fails the generation it took")
                    return
                }
            }
            #expect(pool.upstreamStatus.map(\.health.isUp) == [false, true])
            #expect(await Self.run(pool, story: stories[2]).failure == nil, "the next goes to the upstream that answers")
            #expect(ready.requests.count == 1)
        }
    }
}
