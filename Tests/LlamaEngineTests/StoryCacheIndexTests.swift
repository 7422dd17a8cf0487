import Foundation
import Testing
import WriterAssistantLLM
@testable import LlamaEngine

/// Which spilled story serves a prompt, and which go when the cache is full.
@Suite struct StoryCacheIndexTests {
    typealias Entry = StoryCacheIndex.Entry

    static func entry(_ name: String, _ tokens: [Token], bytes: Int = 10, usedAt seconds: Double = 0) -> Entry {
        Entry(name: name, tokens: tokens, bytes: bytes, lastUsed: Date(timeIntervalSince1970: seconds))
    }

    @Test func thePromptIsServedByTheEntrySharingTheLongestPrefix() {
        let index = StoryCacheIndex(sizeLimit: 100, entries: [
            Self.entry("a", [1, 2, 3, 9]), Self.entry("b", [1, 2, 3, 4, 5, 8]), Self.entry("c", [7, 7]),
        ])
        let match = index.bestMatch(for: [1, 2, 3, 4, 5, 6])
        #expect(match?.entry.name == "b")
        #expect(match?.shared == 5)
        #expect(index.bestMatch(for: [5, 5]) == nil)
    }

    @Test func theLeastRecentlyUsedGoFirstWhenTheCacheIsFull() {
        var index = StoryCacheIndex(sizeLimit: 30, entries: [
            Self.entry("old", [1], usedAt: 1), Self.entry("older", [2], usedAt: 0), Self.entry("recent", [3], usedAt: 5),
        ])
        index.touch("older", at: Date(timeIntervalSince1970: 9))
        let leaving = index.insert(Self.entry("new", [4], usedAt: 10))
        #expect(leaving.map(\.name) == ["old"])
        #expect(Set(index.entries.map(\.name)) == ["older", "recent", "new"])
        #expect(index.totalBytes <= 30)
    }

    @Test func aStoryTheWriterAddedToSupersedesItsOlderSelf() {
        var index = StoryCacheIndex(sizeLimit: 100, entries: [Self.entry("before", [1, 2, 3]), Self.entry("other", [1, 5])])
        let leaving = index.insert(Self.entry("after", [1, 2, 3, 4]))
        #expect(leaving.map(\.name) == ["before"])
        #expect(Set(index.entries.map(\.name)) == ["other", "after"])
    }

    @Test func anEntryLargerThanTheWholeCacheIsNotKept() {
        var index = StoryCacheIndex(sizeLimit: 5, entries: [Self.entry("small", [1], bytes: 5)])
        let leaving = index.insert(Self.entry("huge", [2], bytes: 6))
        #expect(leaving.map(\.name) == ["huge"])
        #expect(index.entries.map(\.name) == ["small"])
    }

    @Test func savingTheSameTokensAgainReplacesTheEntryInPlace() {
        var index = StoryCacheIndex(sizeLimit: 100, entries: [Self.entry("same", [1, 2], usedAt: 0)])
        #expect(index.insert(Self.entry("same", [1, 2], usedAt: 3)).isEmpty)
        #expect(index.entries == [Self.entry("same", [1, 2], usedAt: 3)])
    }

    @Test func anEntryCoversTokensItStartsWith() {
        let index = StoryCacheIndex(sizeLimit: 100, entries: [Self.entry("a", [1, 2, 3])])
        #expect(index.entry(covering: [1, 2])?.name == "a")
        #expect(index.entry(covering: [1, 2, 3])?.name == "a")
        #expect(index.entry(covering: [1, 2, 3, 4]) == nil)
        #expect(index.entry(covering: [2]) == nil)
    }

    @Test func aWriterIsServedOnlyByTheirOwnEntries() {
        var index = StoryCacheIndex(sizeLimit: 100, entries: [
            Entry(name: "a", partition: "aa", tokens: [1, 2, 3, 4], bytes: 10, lastUsed: Date()),
        ])
        #expect(index.bestMatch(for: [1, 2, 3, 4, 5], partition: "bb") == nil)
        #expect(index.bestMatch(for: [1, 2, 3, 4, 5], partition: "aa")?.shared == 4)
        #expect(index.entry(covering: [1, 2], partition: "bb") == nil)
        // Another writer's longer story does not supersede this one's.
        let leaving = index.insert(Entry(name: "b", partition: "bb", tokens: [1, 2, 3, 4, 5], bytes: 10, lastUsed: Date()))
        #expect(leaving.isEmpty)
        #expect(Set(index.entries.map(\.name)) == ["a", "b"])
    }
}
