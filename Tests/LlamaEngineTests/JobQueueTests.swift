import Testing
import WriterAssistantLLM
@testable import LlamaEngine

/// Admission: a job that a free slot takes at once never counts as waiting, and the limit bounds
/// only the jobs that do wait.
@Suite struct JobQueueTests {
    static func job() -> GenerationJob {
        let (_, continuation) = AsyncThrowingStream.makeStream(of: GenerationEvent.self)
        return GenerationJob(request: GenerationRequest(prompt: [1], sampling: SamplingParameters()), continuation: continuation)
    }

    @Test func withNoRoomToWaitAFreeSlotStillTakesAJob() throws {
        let queue = JobQueue(limit: 0, slots: 1)
        let first = Self.job()
        try queue.submit(first)
        #expect(throws: LanguageModelError.queueFull(limit: 0)) { try queue.submit(Self.job()) }
        let taken = try #require(queue.nextIfAvailable())
        #expect(taken === first)
        // Busy until it ends, however long the engine takes to start it.
        #expect(throws: LanguageModelError.queueFull(limit: 0)) { try queue.submit(Self.job()) }
        first.finish()
        try queue.submit(Self.job())
    }

    @Test func theLimitCountsOnlyJobsThatWait() throws {
        let queue = JobQueue(limit: 1, slots: 2)
        for _ in 0..<3 { try queue.submit(Self.job()) }
        #expect(throws: LanguageModelError.queueFull(limit: 1)) { try queue.submit(Self.job()) }
        _ = queue.nextIfAvailable()
        _ = queue.nextIfAvailable()
        #expect(queue.count == 1)
        #expect(throws: LanguageModelError.queueFull(limit: 1)) { try queue.submit(Self.job()) }
    }

    @Test func aWithdrawnJobLeavesItsPlace() throws {
        let queue = JobQueue(limit: 1, slots: 0)
        let waiting = Self.job()
        try queue.submit(waiting)
        #expect(throws: LanguageModelError.queueFull(limit: 1)) { try queue.submit(Self.job()) }
        #expect(queue.withdraw(waiting))
        #expect(!queue.withdraw(waiting))
        #expect(queue.count == 0)
        try queue.submit(Self.job())
    }

    /// A prompt being prepared holds the place its job will want, so a flood of huge stories is
    /// refused before they are tokenized rather than after.
    @Test func preparingPromptsHoldPlaces() throws {
        let queue = JobQueue(limit: 1, slots: 1)
        let first = try queue.beginPreparing()
        let second = try queue.beginPreparing()
        #expect(throws: LanguageModelError.queueFull(limit: 1)) { _ = try queue.beginPreparing() }
        // Released twice (its client left, then its work returned): given back once.
        first.release()
        first.release()
        #expect(queue.preparingCount == 1)
        let third = try queue.beginPreparing()
        #expect(queue.preparingCount == 2)
        _ = queue.close()
        #expect(throws: LanguageModelError.engineStopped) { _ = try queue.beginPreparing() }
        second.release()
        third.release()
        #expect(queue.preparingCount == 0)
    }
}
