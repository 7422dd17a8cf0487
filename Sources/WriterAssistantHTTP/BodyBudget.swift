import HTTPTypes
import Synchronization
import WriterAssistantAPI

/// Bytes of request bodies the server holds at once, read and being decoded: without a bound, a
/// few hundred clients each sending the largest body allowed exhaust memory before any limit
/// on answers applies. A body reserves its declared length (the largest allowed when it declares
/// none) before a byte is read, and gives it back once decoded; one that does not fit is refused
/// at once with 503, for the client to send again shortly.
struct BodyLedger: Equatable {
    /// Bytes all bodies held at once may take.
    let limit: Int
    private(set) var reserved = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes `bytes` of the budget; false, taking nothing, when they do not fit beside what is held.
    /// A body larger than the whole budget fits only alone, so that it is never refused forever.
    mutating func reserve(_ bytes: Int) -> Bool {
        guard reserved == 0 || reserved + bytes <= limit else { return false }
        reserved += bytes
        return true
    }

    mutating func release(_ bytes: Int) {
        reserved = max(0, reserved - bytes)
    }
}

/// The server's one `BodyLedger`, shared by every request.
final class BodyBudget: Sendable {
    private let ledger: Mutex<BodyLedger>

    init(limit: Int) {
        ledger = Mutex(BodyLedger(limit: limit))
    }

    /// Runs `work` with `bytes` reserved, or throws 503 `SERVER_BUSY` when they do not fit now.
    func withReservation<T>(of bytes: Int, _ work: () async throws -> T) async throws -> T {
        guard ledger.withLock({ $0.reserve(bytes) }) else {
            throw APIError(
                status: .serviceUnavailable, code: .serverBusy,
                message: "The server is reading as many request bodies as it holds at once. Try again shortly.",
                headers: [.retryAfter: "1"])
        }
        defer { ledger.withLock { $0.release(bytes) } }
        return try await work()
    }
}
