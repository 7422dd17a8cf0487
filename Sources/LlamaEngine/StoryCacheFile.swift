import Foundation
import WriterAssistantLLM

/// The layout of one spilled story on disk: llama.cpp's own sequence-state file (which it writes
/// and reads in pieces, so a story never needs a second copy in memory), followed by a trailer
/// saying which model and cache layout wrote it and a checksum over everything before.
///
///     llama.cpp: magic 'ggsq' (4) · version (4) · token count (4) · tokens (4 each) · state
///     trailer:   model fingerprint (8) · checksum (8) · magic "WASTORY2" (8)
///
/// Integers are little-endian. Nothing in a file is trusted before its trailer and checksum are
/// right, so a truncated, corrupt or foreign file is rejected rather than handed to llama.cpp.
enum StoryCacheFile {
    static let fileExtension = "story"
    static let trailerMagic = Array("WASTORY2".utf8)
    static let trailerLength = 24
    /// llama.cpp's magic, version and token count.
    static let headerLength = 12
    static let llamaMagic: UInt32 = 0x6767_7371
    /// More tokens than any context holds means a damaged count.
    static let maximumTokens = 1 << 22

    enum Rejection: Error, Equatable {
        case truncated, notAStoryFile, foreignModel, tooManyTokens, checksumMismatch, tokensMismatch, writeFailed
    }

    struct Trailer: Equatable {
        var fingerprint: UInt64
        var checksum: UInt64
    }

    static func trailer(fingerprint: UInt64, checksum: UInt64) -> [UInt8] {
        littleEndian(fingerprint) + littleEndian(checksum) + trailerMagic
    }

    /// The trailer from a file's last `trailerLength` bytes, checked to be this model's.
    static func trailer(_ bytes: [UInt8], expecting fingerprint: UInt64) throws(Rejection) -> Trailer {
        guard bytes.count == trailerLength else { throw .truncated }
        guard Array(bytes[16...]) == trailerMagic else { throw .notAStoryFile }
        let trailer = Trailer(fingerprint: integer(bytes[0..<8]), checksum: integer(bytes[8..<16]))
        guard trailer.fingerprint == fingerprint else { throw .foreignModel }
        return trailer
    }

    /// The token count from llama.cpp's header (the file's first `headerLength` bytes).
    static func tokenCount(inHeader bytes: [UInt8]) throws(Rejection) -> Int {
        guard bytes.count == headerLength else { throw .truncated }
        guard UInt32(integer(bytes[0..<4])) == llamaMagic else { throw .notAStoryFile }
        let count = Int(integer(bytes[8..<12]))
        guard count <= maximumTokens else { throw .tooManyTokens }
        return count
    }

    static func tokens(_ bytes: [UInt8]) -> [Token] {
        stride(from: 0, to: bytes.count - bytes.count % 4, by: 4).map { Token(bitPattern: UInt32(integer(bytes[$0..<($0 + 4)]))) }
    }

    /// A fast 64-bit checksum over words, to detect damage (the directory is its owner's alone,
    /// so tampering is not what it guards against). Fed in pieces, every piece but the last must
    /// be a whole number of words for the result to equal one pass over the whole.
    struct Checksum {
        private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func update(_ bytes: UnsafeRawBufferPointer) {
            let words = bytes.count / 8
            for index in 0..<words {
                value = Self.mix(value ^ bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self))
            }
            for index in (words * 8)..<bytes.count {
                value = Self.mix(value ^ UInt64(bytes[index]))
            }
        }

        private static func mix(_ value: UInt64) -> UInt64 {
            var value = value &* 0x9e37_79b9_7f4a_7c15
            value ^= value >> 31
            return value
        }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt64 {
        var checksum = Checksum()
        bytes.withUnsafeBytes { checksum.update($0) }
        return checksum.value
    }

    private static func littleEndian(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    private static func integer(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}
