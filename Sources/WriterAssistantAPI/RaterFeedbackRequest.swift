/// The body of `POST /api/v1/rater-feedback` and `POST /api/v1/rater-feedback/stream`.
///
/// Unknown keys are ignored so that clients may send fields this server does not know yet.
public struct RaterFeedbackRequest: OperationRequest {
    public typealias Result = RaterFeedbackResult
    public static let operationName = "rater-feedback"

    /// The critic persona the model adopts.
    public var raterPrompt: String
    /// The plot point the writer wants feedback on.
    public var plotPoint: String
    /// Echoed back in the result so a client can tell its raters apart.
    public var raterName: String?
    public var structuredContext: StructuredContext?

    public init(
        raterPrompt: String,
        plotPoint: String,
        raterName: String? = nil,
        structuredContext: StructuredContext? = nil
    ) {
        self.raterPrompt = raterPrompt
        self.plotPoint = plotPoint
        self.raterName = raterName
        self.structuredContext = structuredContext
    }

    enum CodingKeys: String, CodingKey {
        case raterPrompt
        case plotPoint
        case raterName
        case structuredContext = "structured_context"
    }
}

extension RaterFeedbackRequest {
    public var historySubject: String? { raterName ?? "Rater" }

    public mutating func validate() -> [ValidationIssue] {
        raterName = raterName.flatMap { $0.allSatisfy(\.isWhitespace) ? nil : $0 }
        return Self.requireText([("raterPrompt", raterPrompt), ("plotPoint", plotPoint)])
    }
}
