import Testing
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import RemoteEngine

/// The places a peer is sent generations in: first come first served, and a caller that leaves
/// while waiting takes no place with it.
@Suite(.timeLimit(.minutes(1))) struct GenerationSlotsTests {
    @Test func waitersAreServedInTheOrderTheyCame() async throws {
        let slots = GenerationSlots(1)
        try await slots.acquire()
        let (served, record) = AsyncStream.makeStream(of: Int.self)
        var waiters: [Task<Void, any Error>] = []
        for number in 1...3 {
            // Each queues before the next starts.
            waiters.append(Task {
                try await slots.acquire()
                record.yield(number)
            })
            while slots.waiting < number { await Task.yield() }
        }
        var order: [Int] = []
        var iterator = served.makeAsyncIterator()
        for _ in 0..<3 {
            slots.release()
            if let next = await iterator.next() { order.append(next) }
        }
        #expect(order == [1, 2, 3])
        for waiter in waiters { try await waiter.value }
    }

    @Test func aCallerThatLeavesWhileWaitingTakesNoPlace() async throws {
        let slots = GenerationSlots(1)
        try await slots.acquire()
        let leaving = Task { try await slots.acquire() }
        while slots.waiting == 0 { await Task.yield() }
        leaving.cancel()
        await #expect(throws: CancellationError.self) { try await leaving.value }
        #expect(slots.waiting == 0)
        slots.release()
        // The place went back to the free ones, not to the caller that left.
        try await slots.acquire()
    }

    /// The HTTP client gives up on a request that waits for a connection longer than its
    /// connect timeout (3 s): a generation queued behind a long answer must wait here instead.
    @Test func aGenerationQueuedBehindALongAnswerWaitsForItsTurn() async throws {
        let pieces = RemoteEngineTests.answer.chunked(into: 9)
        let peer = ScriptedPeer(.answer(pieces, pause: .milliseconds(4_000 / pieces.count)))
        try await peer.serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url, parallel: 1, maxQueued: 2))
            defer { engine.shutdown() }
            let prompt = TokenEstimate.prompt([ChatMessage(role: .user, content: "Rate it.")])
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        var finished = false
                        do {
                            for try await event in engine.generate(GenerationRequest(prompt: prompt, sampling: SamplingParameters(maxTokens: 100))) {
                                if case .finished = event { finished = true }
                            }
                        } catch {
                            Issue.record("\(error)")
                        }
                        #expect(finished)
                    }
                }
            }
        }
        #expect(peer.mostAtOnce == 1)
        #expect(peer.requests.count == 2)
    }

    @Test func fewerPlacesTakeEffectAsTheTakenOnesComeBackAndMoreWakeWaiters() async throws {
        let slots = GenerationSlots(3)
        for _ in 0..<3 { try await slots.acquire() }
        slots.resize(to: 1)
        let waiter = Task { try await slots.acquire() }
        while slots.waiting == 0 { await Task.yield() }
        // Two of the three taken places must come back before the one place is free again.
        slots.release()
        slots.release()
        #expect(slots.waiting == 1)
        slots.release()
        try await waiter.value
        let more = Task { try await slots.acquire() }
        while slots.waiting == 0 { await Task.yield() }
        slots.resize(to: 2)
        try await more.value
    }

    /// llama-cpp-python's server cuts off the answer it is writing when another request arrives:
    /// found by asking it, it is sent one generation at a time unless told otherwise.
    @Test(arguments: [("me", nil, 1), (nil, nil, 3), ("me", 3, 3)] as [(String?, Int?, Int)])
    func aLlamaCppPythonServerIsSentOneGenerationAtATime(owner: String?, parallel: Int?, most: Int) async throws {
        let pieces = RemoteEngineTests.answer.chunked(into: 9)
        let peer = ScriptedPeer(.answer(pieces, pause: .milliseconds(600 / pieces.count)), flavour: .openai(owner: owner))
        try await peer.serve { url in
            let engine = try await RemoteEngine.connect(.init(baseURL: url, dialect: .auto, parallel: parallel))
            defer { engine.shutdown() }
            let prompt = TokenEstimate.prompt([ChatMessage(role: .user, content: "Rate it.")])
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        do {
                            for try await _ in engine.generate(GenerationRequest(prompt: prompt, sampling: SamplingParameters(maxTokens: 100))) {}
                        } catch {
                            Issue.record("\(error)")
                        }
                    }
                }
            }
        }
        #expect(peer.mostAtOnce == most)
    }
}
