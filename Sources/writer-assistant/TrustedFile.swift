import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file the server takes its settings or keys from, opened once and checked on the open
/// descriptor, so that what was checked is what is read: a regular file of at most a mebibyte,
/// belonging to the server's user or root, that no other user can change, nor read when it holds
/// secrets. Another user who could change it would choose the server's settings or keys.
enum TrustedFile {
    static let largestSize = 1 << 20

    /// Why a file was refused, said after its name ("can be read or changed by other users ...").
    struct Refusal: Error {
        let reason: String
    }

    /// The bytes of `path` (a link is followed, so a mounted secret works), and its permissions,
    /// for a caller that learns only from the bytes whether they hold secrets.
    static func read(_ path: String, holdsSecrets: Bool) throws(Refusal) -> (data: Data, mode: Int) {
        // Non-blocking, so that a FIFO is refused rather than waited on; it changes nothing for
        // reading a regular file. No controlling terminal is taken from a device either.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { throw Refusal(reason: "cannot be read") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw Refusal(reason: "is not a file that can be read")
        }
        guard status.st_size <= largestSize else { throw Refusal(reason: "is larger than \(largestSize) bytes") }
        guard status.st_uid == geteuid() || status.st_uid == 0 else {
            throw Refusal(reason: "belongs to another user (\(status.st_uid))")
        }
        let mode = Int(status.st_mode) & 0o777
        let mask = holdsSecrets ? 0o077 : 0o022
        guard mode & mask == 0 else {
            throw Refusal(reason: "can be \(holdsSecrets ? "read or changed" : "changed") by other users (mode \(String(mode, radix: 8))); "
                + "run chmod \(holdsSecrets ? "600" : "644") on it")
        }
        let data = ((try? handle.read(upToCount: largestSize + 1)) ?? nil) ?? Data()
        guard data.count <= largestSize else { throw Refusal(reason: "is larger than \(largestSize) bytes") }
        return (data, mode)
    }

    /// Refused when it holds secrets and other users may read it.
    static func refuseIfReadable(mode: Int) throws(Refusal) {
        guard mode & 0o044 == 0 else {
            throw Refusal(reason: "holds keys and can be read by other users (mode \(String(mode, radix: 8))); run chmod 600 on it")
        }
    }
}
