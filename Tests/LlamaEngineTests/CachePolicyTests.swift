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

    // MARK: The story cache

    @Test func aSpilledStoryIsLoadedWhenItSavesMoreThanThePoolOffers() {
        let slots = [Self.idle(Array(Self.story.prefix(10))), Self.writing([7], prompt: [7])]
        let prompt = Self.story + [5]
        #expect(CachePolicy.place(prompt, among: slots, spilled: 100) == .init(slot: 0, start: .loadSpilled(length: 100)))
        // Not worth a file read for a few tokens more than the slot already holds.
        let almost = 10 + CachePolicy.minimumPrefixWorthLoading - 1
        #expect(CachePolicy.place(prompt, among: slots, spilled: almost) == .init(slot: 0, start: .reuseOwn(length: 10)))
        // At least the prompt's last token is read here, for its logits.
        #expect(CachePolicy.place(Self.story, among: slots, spilled: 100) == .init(slot: 0, start: .loadSpilled(length: 99)))
    }

    static let panelStory = [Token](1...1000)

    @Test func aPanelsStoryIsSpilledOnceWithoutItsRatersOwnParts() {
        let rater = Self.panelStory + [Token](2001...2100)
        let otherRater = Self.panelStory + [Token](3001...3080)
        #expect(CachePolicy.spilledLength(of: rater, keeping: 0, others: [otherRater]) == 1000)
        // A story the writer added a chapter to differs by more than a request's own part: all of it.
        let longer = Self.panelStory + [Token](5001...5600)
        #expect(CachePolicy.spilledLength(of: longer, keeping: 0, others: [Self.panelStory]) == 1600)
        // Alone, all of it.
        #expect(CachePolicy.spilledLength(of: rater, keeping: 0, others: []) == 1100)
    }

    @Test func shortOrKeptCachesAreNotSpilled() {
        let short = [Token](1...Token(CachePolicy.minimumPrefixWorthSpilling - 1))
        #expect(CachePolicy.spilledLength(of: short, keeping: 0, others: []) == nil)
        let rater = Self.panelStory + [Token](2001...2100)
        // What is shared with a running request stays in the pool; the rater's own part alone is not worth a file.
        #expect(CachePolicy.spilledLength(of: rater, keeping: 1000, others: [Self.panelStory + [9]]) == nil)
        // The next rater of the same story keeps the story: losing the last rater's part needs no file.
        #expect(CachePolicy.spilledLength(of: rater, keeping: 1000, others: []) == nil)
    }

    // MARK: Room in the pool

    static func busy(_ activity: State.Activity, growth: Int) -> State {
        var state = State(activity: activity, cachedTokens: [], prompt: [1], lastUsed: start)
        state.growth = growth
        return state
    }

    @Test func aRequestFitsBesideWhatTheRunningOnesMayStillWrite() {
        var ledger = CellLedger(sequences: 2)
        ledger.append(500, to: 0)
        let slots = [Self.busy(.writing, growth: 300), Self.idle([])]
        #expect(CachePolicy.room(for: 200, in: 1, keeping: 0, pool: 1000, ledger: ledger, slots: slots) == [])
        #expect(CachePolicy.room(for: 201, in: 1, keeping: 0, pool: 1000, ledger: ledger, slots: slots) == nil)
    }

    @Test func idleCachesMakeRoomLeastRecentlyUsedFirst() {
        var ledger = CellLedger(sequences: 4)
        ledger.append(300, to: 0)
        ledger.append(300, to: 1)
        ledger.append(300, to: 2)
        let slots = [Self.idle([1], usedAt: 5), Self.idle([2], usedAt: 1), Self.idle([3], usedAt: 3), Self.idle([])]
        #expect(CachePolicy.room(for: 300, in: 3, keeping: 0, pool: 1000, ledger: ledger, slots: slots) == [1])
        #expect(CachePolicy.room(for: 600, in: 3, keeping: 0, pool: 1000, ledger: ledger, slots: slots) == [1, 2])
        // A slot another request waits to copy from is not emptied.
        #expect(CachePolicy.room(for: 600, in: 3, keeping: 0, pool: 1000, ledger: ledger, slots: slots, protected: [1]) == [2, 0])
        #expect(CachePolicy.room(for: 1001, in: 3, keeping: 0, pool: 1000, ledger: ledger, slots: slots) == nil)
    }

    @Test func emptyingACacheWhoseCellsAreSharedFreesNothing() {
        var ledger = CellLedger(sequences: 3)
        ledger.append(600, to: 0)
        ledger.copyPrefix(from: 0, to: 1, length: 600)
        let slots = [Self.busy(.writing, growth: 0), Self.idle([1]), Self.idle([])]
        #expect(CachePolicy.room(for: 500, in: 2, keeping: 0, pool: 1000, ledger: ledger, slots: slots) == nil)
        #expect(CachePolicy.room(for: 400, in: 2, keeping: 0, pool: 1000, ledger: ledger, slots: slots) == [])
    }

    // MARK: Writers apart

    static func owned(_ state: State, by partition: String?) -> State {
        var state = state
        state.partition = partition
        return state
    }

    @Test func anotherWritersCacheIsNeverReusedHoweverMuchItShares() {
        let slots = [Self.owned(Self.idle(Self.story), by: "a"), Self.owned(Self.idle([9]), by: "b")]
        // Writer b's own slot is overwritten rather than writer a's story lent to it.
        #expect(CachePolicy.place(Self.story + [5], partition: "b", among: slots) == .init(slot: 0, start: .reuseOwn(length: 0)))
        #expect(CachePolicy.place(Self.story + [5], partition: "a", among: slots) == .init(slot: 0, start: .reuseOwn(length: 100)))
    }

    @Test func aWriterDoesNotWaitToShareAnotherWritersStory() {
        let slots = [Self.owned(Self.reading(Self.story + [50]), by: "a"), Self.owned(Self.idle([]), by: "b")]
        #expect(CachePolicy.place(Self.story + [60], partition: "b", among: slots) == .init(slot: 1, start: .reuseOwn(length: 0)))
        #expect(CachePolicy.place(Self.story + [60], partition: "a", among: slots)
            == .init(slot: 1, start: .awaitPrefix(source: 0, length: 100)))
    }

    @Test func anIdleCacheIsKeptOnlyForWhatItsOwnWriterIsReading() {
        let running = Self.owned(Self.reading(Self.story + [50]), by: "a")
        let trims = CachePolicy.idleTrims(among: [running, Self.owned(Self.idle(Self.story), by: "b"), Self.owned(Self.idle(Self.story), by: "a")])
        #expect(trims.map(\.slot) == [1])
        #expect(trims.map(\.keep) == [0])
    }
}
