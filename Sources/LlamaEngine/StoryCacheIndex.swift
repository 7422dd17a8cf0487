import Foundation
import WriterAssistantLLM

/// The stories spilled to the story cache: which saved prefix serves a prompt best, and which
/// entries go when the cache is over its size. Plain values, so each rule is tested without files.
struct StoryCacheIndex: Equatable {
    struct Entry: Equatable {
        /// The file's name, derived from the partition and the tokens.
        var name: String
        /// Whose cells the entry holds (`StoryCache.tag(of:)` of a request's cache partition):
        /// only requests of the same partition are served from it.
        var partition: String = StoryCache.tag(of: nil)
        /// The prompt tokens whose evaluated cells the entry holds.
        var tokens: [Token]
        var bytes: Int
        var lastUsed: Date
    }

    /// Bytes all entries may take together.
    let sizeLimit: Int
    private(set) var entries: [Entry] = []

    init(sizeLimit: Int, entries: [Entry] = []) {
        self.sizeLimit = sizeLimit
        self.entries = entries
    }

    var totalBytes: Int { entries.reduce(0) { $0 + $1.bytes } }

    /// The entry of `partition` sharing the longest prefix with `prompt`, and how long that
    /// prefix is; entries longer than `maximumTokens` are not considered.
    func bestMatch(for prompt: [Token], partition: String = StoryCache.tag(of: nil), maximumTokens: Int = .max) -> (entry: Entry, shared: Int)? {
        entries
            .filter { $0.partition == partition && $0.tokens.count <= maximumTokens }
            .map { (entry: $0, shared: $0.tokens.commonPrefixLength(with: prompt)) }
            .filter { $0.shared > 0 }
            .max { $0.shared != $1.shared ? $0.shared < $1.shared : $0.entry.lastUsed < $1.entry.lastUsed }
    }

    /// An entry of `partition` that already holds all of `tokens` (as they are or as its own start).
    func entry(covering tokens: [Token], partition: String = StoryCache.tag(of: nil)) -> Entry? {
        entries.first {
            $0.partition == partition && $0.tokens.count >= tokens.count && $0.tokens.commonPrefixLength(with: tokens) == tokens.count
        }
    }

    mutating func touch(_ name: String, at time: Date) {
        guard let index = entries.firstIndex(where: { $0.name == name }) else { return }
        entries[index].lastUsed = time
    }

    /// Takes `entry` in; returns the entries that leave to make room (least recently used first)
    /// and those it supersedes (a prefix of it in the same partition: the same story before the
    /// writer added to it).
    /// An entry larger than the whole cache is not taken, and is returned itself.
    mutating func insert(_ entry: Entry) -> [Entry] {
        guard entry.bytes <= sizeLimit else { return [entry] }
        // The same name is the same tokens: the new file replaces the old one in place.
        var leaving = entries.filter {
            $0.name != entry.name && $0.partition == entry.partition && $0.tokens.count <= entry.tokens.count
                && entry.tokens.starts(with: $0.tokens)
        }
        entries.removeAll { candidate in candidate.name == entry.name || leaving.contains { $0.name == candidate.name } }
        entries.append(entry)
        leaving += evictOverLimit()
        return leaving
    }

    /// Removes least recently used entries until the cache fits its limit; returns them.
    mutating func evictOverLimit() -> [Entry] {
        var evicted: [Entry] = []
        entries.sort { $0.lastUsed < $1.lastUsed }
        while totalBytes > sizeLimit, !entries.isEmpty {
            evicted.append(entries.removeFirst())
        }
        return evicted
    }

    mutating func remove(_ name: String) {
        entries.removeAll { $0.name == name }
    }
}
