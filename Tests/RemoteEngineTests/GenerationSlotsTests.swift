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
}
