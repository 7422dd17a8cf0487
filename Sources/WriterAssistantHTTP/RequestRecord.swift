import Synchronization
import WriterAssistantAPI

/// What one request did, told by its handler as it happens and read once the response is
/// written: the request's log line and its metrics both come from here.
final class RequestRecord: Sendable {
    enum Outcome: String, Sendable {
        /// Answered as asked (an operation's result, a health report, a file).
        case served
        /// Answered with an error, as a status code or as a stream's error event.
        case failed
        /// The client went away before the answer was complete.
        case clientLeft = "client_left"
    }

    struct Summary: Sendable {
        var outcome: Outcome = .served
        var errorCode: String?
        /// The operation's own figures, when it produced a result.
        var metadata: ContextMetadata?
        /// When each phase began.
        var phases: [(phase: FeedbackPhase, at: ContinuousClock.Instant)] = []
        var started: ContinuousClock.Instant

        /// From the request's arrival to the model's first written token.
        var timeToFirstToken: Duration? {
            phases.first { $0.phase == .generatingFeedback }.map { $0.at - started }
        }

        /// How long each phase lasted, up to the next one (the last one is not over yet).
        var phaseDurations: [(FeedbackPhase, Duration)] {
            zip(phases, phases.dropFirst()).map { ($0.phase, $1.at - $0.at) }
        }
    }

    private let state: Mutex<Summary>

    init(started: ContinuousClock.Instant = .now) {
        state = Mutex(Summary(started: started))
    }

    var summary: Summary { state.withLock { $0 } }

    func observe<Result: OperationResult>(_ event: OperationEvent<Result>) {
        let now = ContinuousClock.now
        state.withLock { summary in
            switch event {
            case .status(let phase, _, _, _):
                summary.phases.append((phase, now))
            case .result(let result):
                summary.metadata = result.contextMetadata
            case .error(_, let code):
                summary.outcome = .failed
                summary.errorCode = code.rawValue
            case .token:
                break
            }
        }
    }

    func failed(_ code: String) {
        state.withLock { summary in
            summary.outcome = .failed
            summary.errorCode = summary.errorCode ?? code
        }
    }

    /// A client leaving after its answer was complete changes nothing.
    func clientLeft() {
        state.withLock { summary in
            if summary.outcome == .served && summary.metadata == nil { summary.outcome = .clientLeft }
        }
    }
}
