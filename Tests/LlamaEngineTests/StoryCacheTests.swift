import Foundation
import Testing
import WriterAssistantLLM
@testable import LlamaEngine

/// The story cache's files, with a stand-in for llama.cpp's state file: nothing that is not a
/// whole entry written for this model is ever handed to llama.cpp.
@Suite struct StoryCacheTests {
    static let fingerprint: UInt64 = 0x1234_5678_9abc_def0
    static let story = [Token](1...400)

    /// What llama.cpp writes: its magic, version, token count, tokens, then the state.
    static func writeLlamaFile(_ tokens: [Token], stateBytes: Int = 4000) -> (String) -> Bool {
        { path in
            var bytes: [UInt8] = []
            for word in [StoryCacheFile.llamaMagic, 3, UInt32(tokens.count)] + tokens.map({ UInt32(bitPattern: $0) }) {
                withUnsafeBytes(of: word.littleEndian) { bytes += $0 }
            }
            bytes += (0..<stateBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            return FileManager.default.createFile(atPath: path, contents: Data(bytes))
        }
    }

    /// What llama.cpp reads back: the tokens of the file it is given.
    static func readTokens(_ path: String) -> [Token]? {
        guard let data = FileManager.default.contents(atPath: path), data.count >= 12 else { return nil }
        let bytes = [UInt8](data)
        let count = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        return StoryCacheFile.tokens(Array(bytes[12..<(12 + 4 * count)]))
    }

    static func withDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("story-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory.path)
    }

    static func open(_ directory: String, sizeLimit: Int = 1 << 20, fingerprint: UInt64 = Self.fingerprint) throws -> StoryCache {
        try StoryCache(StoryCacheSettings(directory: directory, sizeLimit: sizeLimit), fingerprint: fingerprint)
    }

    /// The cache's files, its lock included.
    static func files(in cache: StoryCache) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: cache.directory, includingPropertiesForKeys: nil)
    }

    static func entryFiles(in cache: StoryCache) throws -> [URL] {
        try files(in: cache).filter { $0.pathExtension == StoryCacheFile.fileExtension }
    }

    @Test func aSavedStoryIsFoundAndLoadedAfterAReopen() throws {
        try Self.withDirectory { directory in
            do {
                try Self.open(directory).saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
            }
            let cache = try Self.open(directory)
            let match = try #require(cache.bestMatch(for: Array(Self.story.prefix(300)) + [9, 9]))
            #expect(match.shared == 300)
            var handedOver: String?
            #expect(cache.load(match.entry) { path in
                handedOver = path
                return Self.readTokens(path)
            })
            #expect(handedOver != nil)
        }
    }

    @Test func entriesAreReadableByTheirOwnerOnly() throws {
        try Self.withDirectory { directory in
            let cache = try Self.open(directory)
            cache.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
            let files = try Self.entryFiles(in: cache)
            try #require(files.count == 1)
            let permissions = { (path: String) in
                (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
            }
            #expect(try permissions(files[0].path) == 0o600)
            #expect(try permissions(cache.directory.path) == 0o700)
        }
    }

    @Test func aCorruptEntryIsRemovedInsteadOfLoaded() throws {
        try Self.withDirectory { directory in
            let cache = try Self.open(directory)
            cache.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
            let file = try #require(try Self.entryFiles(in: cache).first)
            // One byte of the state flipped: same length, same header, same trailer.
            var bytes = [UInt8](try Data(contentsOf: file))
            bytes[2000] ^= 0x40
            try Data(bytes).write(to: file)
            let entry = try #require(cache.bestMatch(for: Self.story)?.entry)
            var called = false
            #expect(!cache.load(entry) { _ in called = true; return Self.story })
            #expect(!called, "llama.cpp must never see a damaged state")
            #expect(try Self.entryFiles(in: cache).isEmpty)
            #expect(cache.bestMatch(for: Self.story) == nil)
        }
    }

    @Test func truncatedForeignAndMisnamedFilesAreRemovedWhenTheCacheOpens() throws {
        try Self.withDirectory { directory in
            let other = [Token](1000...1400)
            do {
                let cache = try Self.open(directory)
                cache.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
                cache.saveSealed(other, write: Self.writeLlamaFile(other))
                let good = try #require(try Self.files(in: cache).first { $0.lastPathComponent.hasPrefix(StoryCache.name(of: Self.story)) })
                let bytes = try Data(contentsOf: good)
                // Truncated: the trailer is gone.
                try bytes.prefix(bytes.count - 5).write(to: cache.directory.appendingPathComponent(StoryCache.name(of: [1, 2]) + ".story"))
                // Another model's entry placed here.
                let foreign = try Self.open(directory, fingerprint: 42)
                foreign.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
                let foreignFile = try #require(try Self.files(in: foreign).first { $0.pathExtension == "story" })
                try FileManager.default.moveItem(at: foreignFile, to: cache.directory.appendingPathComponent(StoryCache.name(of: [7]) + ".story"))
                // An entry under a name that is not its tokens'.
                try bytes.write(to: cache.directory.appendingPathComponent(StoryCache.name(of: other.reversed()) + ".story"))
                // A write that never finished.
                try bytes.write(to: good.appendingPathExtension("partial"))
                // Something that is none of the cache's business.
                try Data("notes".utf8).write(to: cache.directory.appendingPathComponent("notes.txt"))
            }

            let reopened = try Self.open(directory)
            #expect(reopened.index.entries.map(\.tokens).sorted { $0[0] < $1[0] } == [Self.story, other])
            #expect(Set(try Self.files(in: reopened).map(\.lastPathComponent)) == [
                StoryCache.name(of: Self.story) + ".story", StoryCache.name(of: other) + ".story", "notes.txt", "lock",
            ])
        }
    }

    @Test func aSecondServerCannotUseTheSameDirectory() throws {
        try Self.withDirectory { directory in
            do {
                let first = try Self.open(directory)
                #expect(throws: StoryCache.OpenFailure.self) { _ = try Self.open(directory) }
                withExtendedLifetime(first) {}
            }
            // Once the first has gone, the directory is free again.
            _ = try Self.open(directory)
        }
    }

    @Test func aLinkInPlaceOfTheModelsDirectoryIsRefused() throws {
        try Self.withDirectory { directory in
            let elsewhere = directory + "-elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: elsewhere) }
            try Data("keep me".utf8).write(to: URL(fileURLWithPath: elsewhere + "/precious.txt"))
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: directory + "/" + String(format: "%016llx", Self.fingerprint), withDestinationPath: elsewhere)
            #expect(throws: StoryCache.OpenFailure.self) { _ = try Self.open(directory) }
            #expect(FileManager.default.fileExists(atPath: elsewhere + "/precious.txt"))
        }
    }

    @Test func anEntryLlamaRefusesGoesAtTheSecondRefusal() throws {
        try Self.withDirectory { directory in
            let cache = try Self.open(directory)
            cache.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
            let entry = try #require(cache.bestMatch(for: Self.story)?.entry)
            // Refused once (say, no room at that moment): kept.
            #expect(!cache.load(entry) { _ in nil })
            #expect(cache.index.entries.count == 1)
            #expect(!cache.load(entry) { _ in nil })
            #expect(cache.index.entries.isEmpty)
        }
    }

    @Test func entriesLongerThanTheContextAreNotOffered() throws {
        try Self.withDirectory { directory in
            let cache = try Self.open(directory)
            cache.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
            #expect(cache.bestMatch(for: Self.story, maximumTokens: Self.story.count)?.shared == Self.story.count)
            #expect(cache.bestMatch(for: Self.story, maximumTokens: Self.story.count - 1) == nil)
        }
    }

    @Test func tokensThatDifferFromTheIndexAreRejected() throws {
        try Self.withDirectory { directory in
            let cache = try Self.open(directory)
            cache.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
            let entry = try #require(cache.bestMatch(for: Self.story)?.entry)
            #expect(!cache.load(entry) { _ in Array(Self.story.dropLast()) })
            #expect(cache.index.entries.isEmpty)
        }
    }

    @Test func theSizeLimitHoldsAndTheLeastRecentlyUsedGoFirst() throws {
        try Self.withDirectory { directory in
            let stories = (0..<4).map { story in [Token](1...300).map { $0 + Token(story * 1000) } }
            // Room for three entries of this size.
            let entryBytes = 12 + 4 * 300 + 4000 + StoryCacheFile.trailerLength
            let cache = try Self.open(directory, sizeLimit: 3 * entryBytes + 10)
            for story in stories.prefix(3) {
                cache.saveSealed(story, write: Self.writeLlamaFile(story))
                Thread.sleep(forTimeInterval: 0.02)
            }
            // The first is used again, so the second is now the least recently used.
            #expect(cache.covers(stories[0]))
            cache.saveSealed(stories[3], write: Self.writeLlamaFile(stories[3]))
            #expect(Set(cache.index.entries.map(\.tokens)) == [stories[0], stories[2], stories[3]])
            #expect(cache.index.totalBytes <= 3 * entryBytes + 10)
            #expect(try Self.files(in: cache).count == 4, "three entries and the lock")
        }
    }

    @Test func aSmallerLimitAfterARestartDropsTheLeastRecentlyUsedFirst() throws {
        try Self.withDirectory { directory in
            let stories = (0..<3).map { story in [Token](1...300).map { $0 + Token(story * 1000) } }
            let entryBytes = 12 + 4 * 300 + 4000 + StoryCacheFile.trailerLength
            do {
                let cache = try Self.open(directory, sizeLimit: 3 * entryBytes)
                for story in stories {
                    cache.saveSealed(story, write: Self.writeLlamaFile(story))
                    Thread.sleep(forTimeInterval: 0.02)
                }
                #expect(cache.covers(stories[0]))
            }
            // A smaller limit after a restart drops the least recently used first.
            let reopened = try Self.open(directory, sizeLimit: 2 * entryBytes)
            // The first was used after the others were written: the second, then least recent, goes.
            #expect(Set(reopened.index.entries.map(\.tokens)) == [stories[0], stories[2]])
            #expect(try Self.files(in: reopened).count == 3, "two entries and the lock")
        }
    }

    @Test func aSpilledStoryServesOnlyItsOwnWriterAlsoAfterAReopen() throws {
        try Self.withDirectory { directory in
            do {
                let cache = try Self.open(directory)
                cache.saveSealed(Self.story, partition: "a1", write: Self.writeLlamaFile(Self.story))
                #expect(cache.bestMatch(for: Self.story, partition: "b2") == nil)
                #expect(!cache.covers(Self.story, partition: "b2"))
                // The same tokens of another writer are a file of their own.
                cache.saveSealed(Self.story, partition: "b2", write: Self.writeLlamaFile(Self.story))
                #expect(try Self.entryFiles(in: cache).count == 2)
            }
            let reopened = try Self.open(directory)
            #expect(reopened.bestMatch(for: Self.story, partition: "a1")?.entry.partition == "a1")
            #expect(reopened.bestMatch(for: Self.story, partition: "b2")?.entry.partition == "b2")
            #expect(reopened.bestMatch(for: Self.story, partition: "c3") == nil)
            #expect(reopened.bestMatch(for: Self.story) == nil)
        }
    }

    @Test func aPartitionThatIsNotADigestIsHashedIntoTheFileName() {
        #expect(StoryCache.tag(of: "0123abcd") == "0123abcd")
        #expect(StoryCache.tag(of: nil) == "0")
        let hashed = StoryCache.tag(of: "../Writer A")
        #expect(hashed.count == 16 && hashed.allSatisfy(\.isHexDigit))
        #expect(StoryCache.isCacheFileName(StoryCache.name(of: [1, 2], tag: hashed) + ".story"))
    }

    @Test func filesOfTheLayoutWithoutWritersAreRemovedAtOpen() throws {
        try Self.withDirectory { directory in
            do {
                let cache = try Self.open(directory)
                cache.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
                let file = try #require(try Self.entryFiles(in: cache).first)
                // As the earlier layout named it: no partition before the digest.
                let unowned = file.deletingLastPathComponent().appendingPathComponent(
                    String(file.lastPathComponent.drop { $0 != "-" }.dropFirst()))
                try FileManager.default.moveItem(at: file, to: unowned)
                #expect(StoryCache.isCacheFileName(unowned.lastPathComponent))
            }
            let reopened = try Self.open(directory)
            #expect(reopened.index.entries.isEmpty)
            #expect(try Self.entryFiles(in: reopened).isEmpty)
        }
    }

    /// Saving hands the checksum and the seal to the sealer: the engine thread goes on while a
    /// story of tens of megabytes is read back, and the story is loadable once sealed.
    @Test func aSaveDoesNotWaitForItsSeal() throws {
        try Self.withDirectory { directory in
            let gate = DispatchSemaphore(value: 0)
            let cache = try StoryCache(
                StoryCacheSettings(directory: directory, sizeLimit: 1 << 20), fingerprint: Self.fingerprint,
                sealer: StorySealer { _ = gate.wait(timeout: .now() + 10) })
            let started = ContinuousClock.now
            cache.save(Self.story, write: Self.writeLlamaFile(Self.story))
            #expect(ContinuousClock.now - started < .seconds(5), "the save waited for its seal")
            // Not yet sealed: only the partial file, not offered, but not written a second time.
            #expect(try Self.entryFiles(in: cache).isEmpty)
            #expect(cache.covers(Self.story))
            var writes = 0
            cache.save(Self.story) { _ in writes += 1; return false }
            #expect(writes == 0)
            gate.signal()
            // The best match is being sealed: it is waited for, then loaded.
            let match = try #require(cache.bestMatch(for: Self.story))
            #expect(match.shared == Self.story.count)
            #expect(cache.load(match.entry, read: Self.readTokens))
            #expect(try Self.entryFiles(in: cache).count == 1)
        }
    }

    /// Whoever can write the cache directory's parent may rename the directory and put a link
    /// in its place after it was checked: files still go to the directory that was opened.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd"), "reaching a directory through its handle needs /proc"))
    func aDirectorySwappedAfterOpeningIsNotWrittenThrough() throws {
        try Self.withDirectory { directory in
            let cache = try Self.open(directory)
            let modelDirectory = cache.directory.path
            let moved = directory + "/moved"
            let elsewhere = directory + "-elsewhere"
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: elsewhere) }
            try FileManager.default.moveItem(atPath: modelDirectory, toPath: moved)
            try FileManager.default.createSymbolicLink(atPath: modelDirectory, withDestinationPath: elsewhere)

            cache.saveSealed(Self.story, write: Self.writeLlamaFile(Self.story))
            #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere).isEmpty, "a story was written through the swapped-in link")
            #expect(try FileManager.default.contentsOfDirectory(atPath: moved).contains { $0.hasSuffix(".story") })
            let match = try #require(cache.bestMatch(for: Self.story))
            #expect(cache.load(match.entry, read: Self.readTokens))
        }
    }
}

extension StoryCache {
    /// Saves and waits for the seal, as a test that looks at the files next needs.
    func saveSealed(_ tokens: [Token], partition: String? = nil, write: (String) -> Bool) {
        save(tokens, partition: partition, write: write)
        settle()
    }
}
