import Foundation
import WriterAssistantAPI

/// The evaluation's story bibles and rater personas (`eval/corpus.json`).
struct QualityCorpus: Decodable {
    struct Rater: Decodable {
        var name: String
        var prompt: String
    }

    struct Story: Decodable {
        var genre: String
        var plotPoint: String
        /// Its characters and places, which a grounded answer names.
        var names: [String]
        var structuredContext: StructuredContext

        enum CodingKeys: String, CodingKey {
            case genre, plotPoint, names
            case structuredContext = "structured_context"
        }
    }

    var raters: [Rater]
    var stories: [Story]

    static func load(_ path: String) throws -> QualityCorpus {
        try JSONDecoder().decode(QualityCorpus.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func request(story: Story, rater: Rater) -> RaterFeedbackRequest {
        RaterFeedbackRequest(
            raterPrompt: rater.prompt, plotPoint: story.plotPoint, raterName: rater.name,
            structuredContext: story.structuredContext)
    }
}
