import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient

/// One answer of the evaluation: what the server sent, and what it is worth.
struct EvaluatedAnswer: Sendable, Codable {
    var setting: String
    var genre: String
    var rater: String
    /// The answer's text as the model wrote it, from the token events.
    var raw: String
    var result: RaterFeedbackResult?
    var errorCode: String?
    var seconds: Double

    var feedback: RaterFeedback? { result?.feedback }
    var truncated: Bool { result?.contextMetadata.truncated == true }

    func quality(names: [String]) -> AnswerQuality? {
        feedback.map { AnswerQuality($0, names: names) }
    }

    /// Streams one request and keeps everything the evaluation looks at.
    static func run(
        _ request: RaterFeedbackRequest, setting: String, genre: String, on client: WriterAssistantClient
    ) async -> EvaluatedAnswer {
        let started = ContinuousClock.now
        var raw = ""
        var result: RaterFeedbackResult?
        var errorCode: String?
        do {
            for try await event in client.raterFeedbackEvents(request, includeTokens: true) {
                switch event {
                case .token(let text): raw += text
                case .result(let value): result = value
                case .error(_, let code): errorCode = code.rawValue
                case .status: continue
                }
            }
            if result == nil && errorCode == nil { errorCode = "NO_FINAL_EVENT" }
        } catch {
            errorCode = "TRANSPORT: \(error)"
        }
        let elapsed = ContinuousClock.now - started
        return EvaluatedAnswer(
            setting: setting, genre: genre, rater: request.raterName ?? "Rater", raw: raw, result: result,
            errorCode: errorCode,
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
