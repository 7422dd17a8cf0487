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
        /// Who its first character is, which character feedback is checked against. Kept apart
        /// from the bible, whose every word is in the raters' prompts measured over many runs.
        var characterSheet: CharacterSheet?

        enum CodingKeys: String, CodingKey {
            case genre, plotPoint, names, characterSheet
            case structuredContext = "structured_context"
        }

        /// The bible with the sheet's sex, gender and age given to its character.
        var contextWithSheet: StructuredContext {
            guard let sheet = characterSheet else { return structuredContext }
            var context = structuredContext
            context.characters = context.characters?.map { character in
                guard character.name == sheet.name else { return character }
                var character = character
                (character.sex, character.gender, character.age) = (sheet.sex, sheet.gender, sheet.age)
                return character
            }
            return context
        }
    }

    struct CharacterSheet: Decodable {
        var name: String
        var sex: String
        var gender: String
        var age: String
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
