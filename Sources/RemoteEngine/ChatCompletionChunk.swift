/// One event of a streamed chat completion: a piece of the answer, why it ended, or the token
/// counts (often in a last chunk of their own, with no choices).
struct ChatCompletionChunk: Decodable, Sendable {
    struct Choice: Decodable, Sendable {
        struct Delta: Decodable, Sendable {
            var content: String?
        }

        var delta: Delta?
        // swiftlint:disable:next identifier_name
        var finish_reason: String?
    }

    struct Usage: Decodable, Sendable {
        struct PromptDetails: Decodable, Sendable {
            var cached_tokens: Int?
        }

        var prompt_tokens: Int?
        var completion_tokens: Int?
        var prompt_tokens_details: PromptDetails?
    }

    /// Some peers report a failure inside the stream instead of with a status.
    struct Failure: Decodable, Sendable {
        var message: String?
    }

    var choices: [Choice]?
    var usage: Usage?
    var error: Failure?

    var text: String { choices?.compactMap { $0.delta?.content }.joined() ?? "" }
    var finishReason: String? { choices?.lazy.compactMap(\.finish_reason).first }
}
