/// One Server-Sent Event of an operation's streaming endpoint, discriminated by `type`. Every
/// operation streams the same events; only the result differs.
public enum OperationEvent<Result: OperationResult>: Codable, Sendable, Equatable {
    /// A phase begun. `round` says where a run of several rounds is (revise until done); the
    /// phase and its progress stay those of the contract, so that a progress bar never goes back.
    case status(phase: FeedbackPhase, message: String, progress: Int, round: RoundProgress? = nil)
    /// A piece of the answer as the model writes it; only sent when the client asks for tokens.
    case token(text: String)
    case result(Result)
    case error(message: String, code: ErrorCode)


    /// Whether the stream ends after this event.
    public var isTerminal: Bool {
        switch self {
        case .result, .error: true
        case .status, .token: false
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, phase, message, progress, round, text, data, status
        case errorCode = "error_code"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "status":
            self = .status(
                phase: try container.decode(FeedbackPhase.self, forKey: .phase),
                message: try container.decode(String.self, forKey: .message),
                progress: try container.decode(Int.self, forKey: .progress),
                round: try container.decodeIfPresent(RoundProgress.self, forKey: .round)
            )
        case "token":
            self = .token(text: try container.decode(String.self, forKey: .text))
        case "result":
            self = .result(try container.decode(Result.self, forKey: .data))
        case "error":
            self = .error(
                message: try container.decode(String.self, forKey: .message),
                code: try container.decode(ErrorCode.self, forKey: .errorCode)
            )
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "Unknown event type '\(type)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .status(let phase, let message, let progress, let round):
            try container.encode("status", forKey: .type)
            try container.encode(phase, forKey: .phase)
            try container.encode(message, forKey: .message)
            try container.encode(progress, forKey: .progress)
            try container.encodeIfPresent(round, forKey: .round)
        case .token(let text):
            try container.encode("token", forKey: .type)
            try container.encode(text, forKey: .text)
        case .result(let result):
            try container.encode("result", forKey: .type)
            try container.encode(result, forKey: .data)
            try container.encode("complete", forKey: .status)
        case .error(let message, let code):
            try container.encode("error", forKey: .type)
            try container.encode(message, forKey: .message)
            try container.encode(code, forKey: .errorCode)
        }
    }
}

/// Where a run of several rounds is: the round, the most it may run, and what the round is doing.
public struct RoundProgress: Codable, Sendable, Equatable {
    public enum Step: String, Codable, Sendable {
        /// Writing the revision.
        case revising
        /// Checking the revision against each requested change.
        case checking
    }

    public var number: Int
    public var maxRounds: Int
    public var step: Step

    public init(number: Int, maxRounds: Int, step: Step) {
        self.number = number
        self.maxRounds = maxRounds
        self.step = step
    }
}

/// The events of rater feedback, the API's first operation.
public typealias StreamEvent = OperationEvent<RaterFeedbackResult>

extension OperationEvent where Result == RaterFeedbackResult {
    /// The phase with its contract progress and the rater feedback's message.
    public static func status(_ phase: FeedbackPhase) -> Self {
        .status(phase: phase, message: phase.message, progress: phase.progress)
    }
}
