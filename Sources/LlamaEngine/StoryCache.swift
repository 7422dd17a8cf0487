import Foundation
import Logging
import WriterAssistantLLM

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stories spilled to disk: the evaluated cells of a prompt's start, saved when they leave the
/// cache pool (or the server stops) and loaded when a later prompt starts the same way, also after
/// a restart. One directory per model fingerprint, so entries written for another model file or
/// cache layout are not even looked at; the directory and files are readable by their owner only,
/// since they hold story text. One server at a time uses a directory (a lock file says which).
///
/// Used by the engine thread alone, which also has llama.cpp read and write the files (it streams a
/// state to and from its file in pieces, and a spilled story of tens of megabytes comes from the
/// page cache in milliseconds); a `StorySealer` checksums and seals each new file beside it.
///
/// Every file is reached through a handle on the directory opened once, without following links,
/// so that whoever can write the directory's parent cannot swap in another directory afterwards.
final class StoryCache {
    enum OpenFailure: Error, CustomStringConvertible {
        case notAPrivateDirectory(String)
        case inUse(String)

        var description: String {
            switch self {
            case .notAPrivateDirectory(let path): "\(path) is a link or belongs to another user"
            case .inUse(let path): "another server is using \(path)"
            }
        }
    }

    let directory: URL
    let fingerprint: UInt64
    private(set) var index: StoryCacheIndex
    private let files = FileManager.default
    /// The directory, held open: every file is reached through it (see `root`).
    private let handle: Int32
    /// The path of the directory as opened: `/proc/self/fd/<handle>` where the system has it
    /// (a path llama.cpp can be given that still leads to the directory opened, whatever is
    /// renamed since), else the directory's own path.
    private let root: URL
    /// Held open with an exclusive lock while this cache uses the directory.
    private let lock: Int32
    private let sealer: StorySealer
    /// Entries written and being sealed: not yet loadable, but neither worth writing again.
    private var sealing: [String: StoryCacheIndex.Entry] = [:]
    /// The entry chosen to be loaded next (see `markUsed`).
    private var chosen: String?
    /// Times llama.cpp refused each entry's state; an entry it refuses twice goes.
    private var refusals: [String: Int] = [:]
    /// After a failed write (a full disk), spilling pauses rather than retrying at every eviction.
    private var spillingPausedUntil: ContinuousClock.Instant?
    private static let logger = Logger(label: "writer-assistant.story-cache")
    private static let chunkSize = 1 << 20
    private static let pauseAfterWriteFailure = Duration.seconds(60)

    /// Opens (creating if needed) the model's directory and indexes what is there; files named
    /// like entries that are not whole entries for this model are removed, other files left alone.
    init(_ settings: StoryCacheSettings, fingerprint: UInt64, sealer: StorySealer = StorySealer()) throws {
        self.fingerprint = fingerprint
        self.sealer = sealer
        directory = URL(fileURLWithPath: settings.directory, isDirectory: true)
            .appendingPathComponent(String(format: "%016llx", fingerprint), isDirectory: true)
        try files.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Never follow a link someone else planted, nor take over another user's directory; what
        // is checked is the directory opened, which every later access goes through.
        handle = open(directory.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard handle >= 0 else { throw OpenFailure.notAPrivateDirectory(directory.path) }
        var status = stat()
        guard fstat(handle, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == getuid(), fchmod(handle, 0o700) == 0 else {
            close(handle)
            throw OpenFailure.notAPrivateDirectory(directory.path)
        }
        root = Self.root(of: handle, fallback: directory)
        lock = openat(handle, "lock", O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard lock >= 0 else {
            close(handle)
            throw OpenFailure.notAPrivateDirectory(directory.appendingPathComponent("lock").path)
        }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            close(lock)
            close(handle)
            throw OpenFailure.inUse(directory.path)
        }
        index = StoryCacheIndex(sizeLimit: settings.sizeLimit)
        var entries: [StoryCacheIndex.Entry] = []
        for url in try Self.names(in: handle).map({ root.appendingPathComponent($0) }) where Self.isCacheFileName(url.lastPathComponent) {
            do {
                entries.append(try entry(at: url))
            } catch {
                remove(url, because: "not a whole story cache entry for this model (\(error))")
            }
        }
        index = StoryCacheIndex(sizeLimit: settings.sizeLimit, entries: entries)
        for entry in index.evictOverLimit() { remove(entry, because: "over the cache size") }
        Self.logger.info("Story cache opened", metadata: [
            "directory": "\(directory.path)", "entries": "\(index.entries.count)", "bytes": "\(index.totalBytes)",
        ])
    }

    deinit {
        // Seals still running write through the directory handle.
        sealer.waitForAll()
        close(lock)
        close(handle)
    }

    /// The names in the opened directory.
    private static func names(in handle: Int32) throws -> [String] {
        // The listing reads through a handle of its own, which `closedir` closes.
        let listing = dup(handle)
        guard listing >= 0, let directory = fdopendir(listing) else {
            if listing >= 0 { close(listing) }
            throw OpenFailure.notAPrivateDirectory("/proc/self/fd/\(handle)")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The path through which the opened directory is reached (see `root`).
    private static func root(of handle: Int32, fallback: URL) -> URL {
        let path = "/proc/self/fd/\(handle)"
        var opened = stat()
        var reached = stat()
        guard fstat(handle, &opened) == 0, stat(path, &reached) == 0, opened.st_dev == reached.st_dev, opened.st_ino == reached.st_ino else {
            logger.notice("This system cannot reach a directory through its handle: the story cache's files are reached by path", metadata: [
                "directory": "\(fallback.path)",
            ])
            return fallback
        }
        return URL(fileURLWithPath: path, isDirectory: true)
    }

    /// Names this cache writes: `<partition tag>-<16 hex digits>-<token count>.story`, or that
    /// with `.partial`. Names of the earlier layout, without a partition, count too, so that
    /// opening the cache removes them.
    static func isCacheFileName(_ name: String) -> Bool {
        let base = name.hasSuffix(".partial") ? String(name.dropLast(".partial".count)) : name
        guard base.hasSuffix("." + StoryCacheFile.fileExtension) else { return false }
        let parts = base.dropLast(StoryCacheFile.fileExtension.count + 1).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, let count = parts.last, let tokens = parts.dropLast().last else { return false }
        return (parts.count == 2 || isTag(parts[0])) && tokens.count == 16 && tokens.allSatisfy(\.isHexDigit)
            && !count.isEmpty && count.allSatisfy(\.isASCII) && count.allSatisfy(\.isNumber)
    }

    /// The partition's mark in file names and the index: a digest given by the caller (1 to 64
    /// lowercase hex digits, as the server's are) as it is, anything else hashed; nil is "0".
    static func tag(of partition: String?) -> String {
        guard let partition else { return "0" }
        if isTag(Substring(partition)) { return partition }
        return String(format: "%016llx", StoryCacheFile.checksum(Array(partition.utf8)))
    }

    private static func isTag(_ text: Substring) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The spilled prefix of `partition` sharing the most with `prompt` among entries of at most
    /// `maximumTokens` (one written with a larger context may not fit this one's). When an entry
    /// still being sealed would share more, this waits for the seals: reading the story again
    /// would take longer.
    func bestMatch(for prompt: [Token], partition: String? = nil, maximumTokens: Int = .max) -> (entry: StoryCacheIndex.Entry, shared: Int)? {
        chosen = nil
        takeSealed()
        let tag = Self.tag(of: partition)
        let sealed = index.bestMatch(for: prompt, partition: tag, maximumTokens: maximumTokens)
        if let unsealed = StoryCacheIndex(sizeLimit: .max, entries: Array(sealing.values))
            .bestMatch(for: prompt, partition: tag, maximumTokens: maximumTokens), unsealed.shared > sealed?.shared ?? 0 {
            settle()
            return index.bestMatch(for: prompt, partition: tag, maximumTokens: maximumTokens)
        }
        return sealed
    }

    /// The entries of `partition`, which alone may serve its requests, those being sealed included.
    func entries(of partition: String?) -> [StoryCacheIndex.Entry] {
        takeSealed()
        let tag = Self.tag(of: partition)
        return (index.entries + sealing.values).filter { $0.partition == tag }
    }

    /// True when an entry of `partition` already holds all of `tokens` (or one being sealed will);
    /// that entry counts as used now.
    func covers(_ tokens: [Token], partition: String? = nil) -> Bool {
        takeSealed()
        let tag = Self.tag(of: partition)
        if StoryCacheIndex(sizeLimit: .max, entries: Array(sealing.values)).entry(covering: tokens, partition: tag) != nil { return true }
        guard let entry = index.entry(covering: tokens, partition: tag) else { return false }
        touch(entry)
        return true
    }

    /// Waits for the seals under way and takes them in: for the engine thread as it stops, and
    /// for tests.
    func settle() {
        sealer.waitForAll()
        chosen = nil
        takeSealed()
    }

    /// Counts the entry as used now: the one about to be loaded must not make room for a save.
    /// Until it is loaded (or another match is sought), finished seals wait to be taken in, so
    /// that none replaces or evicts it in between.
    func markUsed(_ entry: StoryCacheIndex.Entry) {
        touch(entry)
        chosen = entry.name
    }

    /// Checks the entry's file and has `read` load it (given its path; returning the tokens it
    /// read, or nil when llama.cpp refused it). A file that is not whole or not what its name says
    /// is removed; one llama.cpp refuses (it may lack room at the moment) goes at the second refusal.
    func load(_ entry: StoryCacheIndex.Entry, read: (String) -> [Token]?) -> Bool {
        defer { chosen = nil }
        let url = self.url(of: entry.name)
        do {
            try verify(url, length: entry.bytes)
        } catch {
            remove(entry, because: "unusable: \(error)")
            return false
        }
        guard let tokens = read(url.path) else {
            refusals[entry.name, default: 0] += 1
            if refusals[entry.name, default: 0] >= 2 { remove(entry, because: "llama.cpp refused its state twice") }
            return false
        }
        guard tokens == entry.tokens else {
            remove(entry, because: "its tokens are not the ones its name says")
            return false
        }
        touch(entry)
        return true
    }

    /// False while spilling is paused after a failed write. Asking also takes in the seals that
    /// finished since, and ends a pause whose time is up.
    var canSpill: Bool {
        takeSealed()
        guard let until = spillingPausedUntil else { return true }
        if ContinuousClock.now < until { return false }
        spillingPausedUntil = nil
        return true
    }

    /// Has `write` save the evaluated cells of `tokens` to the path it is given, then has the
    /// sealer seal the file beside the engine; once sealed, the entries it supersedes, and the
    /// least recently used beyond the size limit, go.
    func save(_ tokens: [Token], partition: String? = nil, write: (String) -> Bool) {
        takeSealed()
        let tag = Self.tag(of: partition)
        let name = Self.name(of: tokens, tag: tag)
        guard sealing[name] == nil else { return }
        let url = self.url(of: name)
        let partial = url.appendingPathExtension("partial")
        guard write(partial.path) else {
            unlink(partial.path)
            return pauseSpilling(after: StoryCacheFile.Rejection.writeFailed, file: name)
        }
        sealing[name] = StoryCacheIndex.Entry(name: name, partition: tag, tokens: tokens, bytes: 0, lastUsed: Date())
        sealer.seal(name: name, partial: partial.path, sealed: url.path, fingerprint: fingerprint)
    }

    /// Takes in the seals finished since the last look: sealed entries join the index, and a
    /// failed seal pauses spilling.
    private func takeSealed() {
        guard chosen == nil else { return }
        for finished in sealer.takeFinished() {
            guard var entry = sealing.removeValue(forKey: finished.name) else { continue }
            switch finished.outcome {
            case .success(let bytes):
                entry.bytes = bytes
                refusals[entry.name] = nil
                for leaving in index.insert(entry) {
                    remove(leaving, because: leaving.name == entry.name ? "larger than the whole cache" : "superseded or over the cache size")
                }
                Self.logger.debug("Spilled a story", metadata: ["tokens": "\(entry.tokens.count)", "bytes": "\(bytes)"])
            case .failure(let rejection):
                pauseSpilling(after: rejection, file: entry.name)
            }
        }
    }

    private func pauseSpilling(after error: any Error, file: String) {
        Self.logger.error("Could not spill a story; spilling pauses for a minute", metadata: ["file": "\(file)", "error": "\(error)"])
        spillingPausedUntil = .now + Self.pauseAfterWriteFailure
    }

    func remove(_ entry: StoryCacheIndex.Entry, because reason: String) {
        index.remove(entry.name)
        remove(url(of: entry.name), because: reason)
    }

    private func remove(_ url: URL, because reason: String) {
        Self.logger.notice("Removing a story cache file", metadata: ["file": "\(url.lastPathComponent)", "reason": "\(reason)"])
        // A file, never a directory someone put in its place.
        unlink(url.path)
    }

    private func touch(_ entry: StoryCacheIndex.Entry) {
        let now = Date()
        index.touch(entry.name, at: now)
        // The modification time carries the order of use over a restart.
        try? files.setAttributes([.modificationDate: now], ofItemAtPath: url(of: entry.name).path)
    }

    private func url(of name: String) -> URL {
        root.appendingPathComponent(name).appendingPathExtension(StoryCacheFile.fileExtension)
    }

    /// Indexes a file from its trailer and llama.cpp's header, without reading its state.
    private func entry(at url: URL) throws -> StoryCacheIndex.Entry {
        guard url.pathExtension == StoryCacheFile.fileExtension else { throw StoryCacheFile.Rejection.notAStoryFile }
        var status = stat()
        guard lstat(url.path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { throw StoryCacheFile.Rejection.notAStoryFile }
        let values = try url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey])
        let size = values.fileSize ?? 0
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        _ = try trailer(of: handle, size: size)
        try handle.seek(toOffset: 0)
        let count = try StoryCacheFile.tokenCount(inHeader: try Self.read(StoryCacheFile.headerLength, from: handle))
        guard StoryCacheFile.headerLength + 4 * count + StoryCacheFile.trailerLength < size else { throw StoryCacheFile.Rejection.truncated }
        let tokens = StoryCacheFile.tokens(try Self.read(4 * count, from: handle))
        let name = url.deletingPathExtension().lastPathComponent
        // The tag is the name's own (the directory is its owner's alone); the rest must be what
        // the tokens say. A name without a tag is of the earlier layout, which shared across writers.
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, name == Self.name(of: tokens, tag: String(parts[0])) else { throw StoryCacheFile.Rejection.tokensMismatch }
        return StoryCacheIndex.Entry(
            name: name, partition: String(parts[0]), tokens: tokens, bytes: size, lastUsed: values.contentModificationDate ?? .distantPast)
    }

    /// Checks that the file is as long as indexed, is this model's, and its checksum holds.
    private func verify(_ url: URL, length: Int) throws {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        let size = Int(try handle.seekToEnd())
        guard size == length else { throw StoryCacheFile.Rejection.truncated }
        let trailer = try trailer(of: handle, size: size)
        guard try Self.checksum(of: handle, length: size - 16) == trailer.checksum else { throw StoryCacheFile.Rejection.checksumMismatch }
    }

    private func trailer(of handle: FileHandle, size: Int) throws -> StoryCacheFile.Trailer {
        guard size > StoryCacheFile.headerLength + StoryCacheFile.trailerLength else { throw StoryCacheFile.Rejection.truncated }
        try handle.seek(toOffset: UInt64(size - StoryCacheFile.trailerLength))
        return try StoryCacheFile.trailer(try Self.read(StoryCacheFile.trailerLength, from: handle), expecting: fingerprint)
    }

    /// The checksum of the file's first `length` bytes, read a piece at a time.
    private static func checksum(of handle: FileHandle, length: Int) throws -> UInt64 {
        try handle.seek(toOffset: 0)
        var checksum = StoryCacheFile.Checksum()
        var left = length
        while left > 0 {
            let piece = try read(min(left, chunkSize), from: handle)
            piece.withUnsafeBytes { checksum.update($0) }
            left -= piece.count
        }
        return checksum.value
    }

    private static func read(_ count: Int, from handle: FileHandle) throws -> [UInt8] {
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else { throw StoryCacheFile.Rejection.truncated }
        return [UInt8](data)
    }

    static func name(of tokens: [Token], tag: String = tag(of: nil)) -> String {
        let bytes = tokens.flatMap { token in withUnsafeBytes(of: token.littleEndian) { Array($0) } }
        return tag + "-" + String(format: "%016llx", StoryCacheFile.checksum(bytes)) + "-\(tokens.count)"
    }
}
