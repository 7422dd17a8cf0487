import Foundation
import Synchronization
import WriterAssistantLLM

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seals spilled stories beside the engine thread: once llama.cpp has written a story's state to
/// its `.partial` file, the sealer appends the trailer, checksums the file (which means reading
/// tens of megabytes back) and renames it into place, while the engine goes on decoding. The
/// story cache takes the finished seals in on the engine thread (`takeFinished`).
final class StorySealer: Sendable {
    /// One seal's outcome: the file's size, or why it failed.
    struct Finished: Sendable {
        let name: String
        let outcome: Result<Int, StoryCacheFile.Rejection>
    }

    private let queue = DispatchQueue(label: "writer-assistant.story-cache.sealer", qos: .userInitiated)
    private let group = DispatchGroup()
    private let finished = Mutex<[Finished]>([])
    /// Runs before each seal; tests hold the sealer with it.
    private let beforeSealing: (@Sendable () -> Void)?

    init(beforeSealing: (@Sendable () -> Void)? = nil) {
        self.beforeSealing = beforeSealing
    }

    /// Seals `partial` (written by llama.cpp) as `sealed`, in the background.
    func seal(name: String, partial: String, sealed: String, fingerprint: UInt64) {
        group.enter()
        queue.async { [self] in
            beforeSealing?()
            let outcome = Result<Int, StoryCacheFile.Rejection> { () throws(StoryCacheFile.Rejection) in
                try Self.seal(partial, as: sealed, fingerprint: fingerprint)
            }
            if case .failure = outcome { unlink(partial) }
            finished.withLock { $0.append(Finished(name: name, outcome: outcome)) }
            group.leave()
        }
    }

    /// The seals finished since the last call.
    func takeFinished() -> [Finished] {
        finished.withLock { done in
            defer { done.removeAll() }
            return done
        }
    }

    /// Blocks until every seal asked for so far is finished. For the engine thread, when it
    /// needs a story still being sealed or is stopping; never for a task of the cooperative pool.
    func waitForAll() {
        group.wait()
    }

    /// Appends the fingerprint, checksums everything so far in one pass, appends the checksum and
    /// the trailer's magic, then renames the file into place: the size of the sealed file.
    private static func seal(_ partial: String, as sealed: String, fingerprint: UInt64) throws(StoryCacheFile.Rejection) -> Int {
        let file = open(partial, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard file >= 0 else { throw .writeFailed }
        defer { close(file) }
        guard fchmod(file, 0o600) == 0, lseek(file, 0, SEEK_END) >= 0 else { throw .writeFailed }
        try append(withUnsafeBytes(of: fingerprint.littleEndian) { Array($0) }, to: file)
        let length = Int(lseek(file, 0, SEEK_CUR))
        guard length > 0, lseek(file, 0, SEEK_SET) == 0 else { throw .writeFailed }
        var checksum = StoryCacheFile.Checksum()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var left = length
        while left > 0 {
            // Whole pieces, so that every piece but the last is a whole number of words (see `Checksum`).
            let piece = min(left, buffer.count)
            try fill(&buffer, count: piece, from: file)
            buffer.withUnsafeBytes { checksum.update(UnsafeRawBufferPointer(rebasing: $0.prefix(piece))) }
            left -= piece
        }
        try append(Array(StoryCacheFile.trailer(fingerprint: fingerprint, checksum: checksum.value).suffix(16)), to: file)
        // Replaces an older file of the same tokens in one step.
        guard rename(partial, sealed) == 0 else { throw .writeFailed }
        return length + 16
    }

    private static func append(_ bytes: [UInt8], to file: Int32) throws(StoryCacheFile.Rejection) {
        let written = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw .writeFailed }
    }

    /// Reads exactly `count` bytes into the start of `buffer`, however the kernel splits them.
    private static func fill(_ buffer: inout [UInt8], count: Int, from file: Int32) throws(StoryCacheFile.Rejection) {
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes { read(file, $0.baseAddress.map { $0 + filled }, count - filled) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw .truncated }
            filled += got
        }
    }
}
