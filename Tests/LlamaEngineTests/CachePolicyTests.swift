import Testing
import WriterAssistantLLM
@testable import LlamaEngine

/// The decode loop's slot and cache decisions, without a model.
@Suite struct CachePolicyTests {
    typealias State = CachePolicy.SlotState
    static let start = ContinuousClock.now

    static func idle(_ cached: [Token], usedAt seconds: Int = 0) -> State {
        State(activity: .idle, cachedTokens: cached, prompt: [], lastUsed: start + .seconds(seconds))
    }

    static func reading(_ prompt: [Token], cached: [Token] = []) -> State {
        State(activity: .readingPrompt, cachedTokens: cached, prompt: prompt, lastUsed: start)
    }

    static func writing(_ cached: [Token], prompt: [Token]) -> State {
        State(activity: .writing, cachedTokens: cached, prompt: prompt, lastUsed: start)
    }

    static let story = [Token](1...100)

    @Test func aRequestTakesTheIdleSlotThatSharesTheMostOfItsPrompt() {
        let slots = [Self.idle([9, 9]), Self.idle(Array(Self.story.prefix(60))), Self.writing([7], prompt: [7])]
        #expect(CachePolicy.place(Self.story + [5], among: slots) == .init(slot: 1, start: .reuseOwn(length: 60)))
    }

    @Test func amongEqualSlotsTheLeastRecentlyUsedIsOverwritten() {
        let slots = [Self.idle([9], usedAt: 5), Self.idle([8], usedAt: 1), Self.idle([7], usedAt: 3)]
        #expect(CachePolicy.place([1, 2, 3], among: slots) == .init(slot: 1, start: .reuseOwn(length: 0)))
    }

    @Test func noIdleSlotMeansNoPlacement() {
        #expect(CachePolicy.place([1], among: [Self.reading([1, 2])]) == nil)
    }

    @Test func aRaterArrivingWhileItsStoryIsReadWaitsToShareIt() {
        let slots = [Self.reading(Self.story + [50], cached: Array(Self.story.prefix(10))), Self.idle([])]
        #expect(CachePolicy.place(Self.story + [60], among: slots) == .init(slot: 1, start: .awaitPrefix(source: 0, length: 100)))
    }

    @Test func aShortSharedPrefixIsReadAgainRatherThanWaitedFor() {
        let prefix = Array(Self.story.prefix(CachePolicy.minimumPrefixWorthWaitingFor - 1))
        let slots = [Self.reading(prefix + [50]), Self.idle([])]
        #expect(CachePolicy.place(prefix + [60], among: slots) == .init(slot: 1, start: .reuseOwn(length: 0)))
    }

    @Test func aSharedPrefixIsCopiedOnceReadOrWhenItsReaderGivesUp() {
        let prompt = Self.story + [60]
        let halfway = Self.reading(Self.story + [50], cached: Array(Self.story.prefix(40)))
        #expect(CachePolicy.sharedPrefixReady(for: prompt, wanted: 100, from: halfway) == nil)
        let done = Self.writing(Self.story + [50, 1], prompt: Self.story + [50])
        #expect(CachePolicy.sharedPrefixReady(for: prompt, wanted: 100, from: done) == 100)
        let cancelled = Self.idle(Array(Self.story.prefix(40)))
        #expect(CachePolicy.sharedPrefixReady(for: prompt, wanted: 100, from: cancelled) == 40)
    }

    @Test func idleCachesKeepOnlyWhatRunningRequestsShare() {
        let otherStory: [Token] = [500, 501, 502]
        let slots = [
            Self.idle(Self.story),                           // shares 100 with the writer: kept whole
            Self.idle(Array(Self.story.prefix(30)) + [900]),  // keeps its 30 shared tokens
            Self.idle(otherStory),                           // a story no one reads: dropped
            Self.writing(Self.story + [1, 2], prompt: Self.story),
        ]
        let trims = CachePolicy.idleTrims(among: slots)
        #expect(trims.map(\.slot) == [1, 2])
        #expect(trims.map(\.keep) == [30, 0])
    }

    @Test func withNothingRunningIdleCachesAreKept() {
        #expect(CachePolicy.idleTrims(among: [Self.idle(Self.story), Self.idle([1])]).isEmpty)
    }
}
