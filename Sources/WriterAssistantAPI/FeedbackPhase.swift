/// The stages of a rater run, in the order the stream reports them.
public enum FeedbackPhase: String, Codable, Sendable, CaseIterable {
    case contextProcessing = "context_processing"
    case evaluating
    case generatingFeedback = "generating_feedback"
    case parsing
    case complete

    /// The progress percentage the API contract assigns to the phase.
    public var progress: Int {
        switch self {
        case .contextProcessing: 20
        case .evaluating: 50
        case .generatingFeedback: 75
        case .parsing: 90
        case .complete: 100
        }
    }

    public var message: String {
        switch self {
        case .contextProcessing: "Processing rater context and plot point..."
        case .evaluating: "Evaluating the plot point against the story..."
        case .generatingFeedback: "Generating opinion and suggestions..."
        case .parsing: "Parsing and validating the feedback..."
        case .complete: "Feedback complete."
        }
    }
}
