/// Whether one upstream of a pool is taking work, from what the pool has seen of it: its answers
/// to the periodic health check and the fate of the generations sent to it.
///
/// A refused or failed connection takes an upstream out at once: the next generation would meet
/// the same. A health check that goes unanswered takes it out only the second time in a row,
/// because a peer busy reading a long story may be slow to list its models. Any answer brings it
/// back.
public struct UpstreamHealth: Sendable, Equatable {
    public private(set) var isUp: Bool
    /// Why it is out, for `/health` and the log.
    public private(set) var reason: String?
    private var missedChecks = 0

    static let missedChecksToFail = 2

    public init(isUp: Bool = true, reason: String? = nil) {
        self.isUp = isUp
        self.reason = isUp ? nil : reason
        missedChecks = isUp ? 0 : Self.missedChecksToFail
    }

    /// It answered: a health check, or a generation's first piece.
    public mutating func answered() {
        isUp = true
        reason = nil
        missedChecks = 0
    }

    /// A health check went unanswered or was refused.
    public mutating func missedCheck(_ reason: String) {
        missedChecks += 1
        if missedChecks >= Self.missedChecksToFail {
            isUp = false
            self.reason = reason
        }
    }

    /// A generation could not reach it at all.
    public mutating func unreachable(_ reason: String) {
        isUp = false
        self.reason = reason
        missedChecks = Self.missedChecksToFail
    }
}
