import ArgumentParser
import WriterAssistantAPI
import WriterAssistantClient

struct CharacterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "character",
        abstract: "Hear how a character lives a plot point, create a new character from a short bio, or shorten a sheet to a bio.",
        discussion: "Exit codes: 0 success, 2 usage error, 3 the server reported an error, 4 the server could not be reached.",
        subcommands: [Voice.self, Create.self, Bio.self])

    struct Voice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "How one of the story's characters acts, speaks, feels and thinks at a plot point.")

        @OptionGroup var client: ClientOptions

        @Option(help: "The character: one of the story's characters.")
        var name: String

        @Option(help: "The plot point.")
        var plot: String

        @Flag(help: "Print only the result object, as JSON.")
        var json = false

        func run() async throws {
            let request = CharacterFeedbackRequest(characterName: name, plotPoint: plot, structuredContext: try client.loadStory())
            try await OperationRun(client: client, json: json).run(request, label: name) { result in
                let feedback = result.feedback
                let parts = [
                    ("Actions", feedback.actions), ("Dialog", feedback.dialog),
                    ("Physical sensations", feedback.physicalSensations), ("Emotions", feedback.emotions),
                    ("Internal monologue", feedback.internalMonologue),
                ]
                return ([result.characterName] + parts.filter { !$0.1.isEmpty }.map { title, lines in
                    "\n\(title):\n" + lines.map { "- \($0)" }.joined(separator: "\n")
                }).joined(separator: "\n")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A new character's sheet from a short bio.")

        @OptionGroup var client: ClientOptions

        @Option(help: "Who the character is, in a sentence or two.")
        var bio: String

        @Flag(help: "Print only the result object, as JSON.")
        var json = false

        func run() async throws {
            let request = GenerateCharacterDetailsRequest(basicBio: bio, structuredContext: try client.loadStory())
            try await OperationRun(client: client, json: json).run(request, label: "Character") { sheet in
                [
                    sheet.name, "- Sex: \(sheet.sex)", "- Gender: \(sheet.gender)", "- Age: \(sheet.age)",
                    "- Personality: \(sheet.personality)", "- Motivations: \(sheet.motivations)", "- Fears: \(sheet.fears)",
                    "- Relationships: \(sheet.relationships)", "- Appearance: \(sheet.physicalAppearance)",
                    "- Usual clothing: \(sheet.usualClothing)",
                ].joined(separator: "\n")
            }
        }
    }

    struct Bio: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One of the story's characters, their whole sheet shortened to a bio of one paragraph.")

        @OptionGroup var client: ClientOptions

        @Option(help: "The character: one of the story's characters (--story or --story-id).")
        var name: String

        @Option(help: "The bio's length in words, at most (\(RegenerateBioRequest.words.lowerBound)–\(RegenerateBioRequest.words.upperBound); \(RegenerateBioRequest.defaultWords) by default).")
        var words: Int?

        @Flag(help: "Print only the result object, as JSON.")
        var json = false

        func run() async throws {
            let local = try client.loadStory()
            let characters: [StoryCharacter]
            if let local {
                characters = local.characters ?? []
            } else if let id = client.storyId {
                do {
                    characters = try await client.withClient { try await $0.story(id).document.structuredContext.characters ?? [] }
                } catch {
                    throw ClientExit.report(error)
                }
            } else {
                throw ValidationError("Give the story the character is in: --story or --story-id.")
            }
            let wanted = name.lowercased().split(whereSeparator: \.isWhitespace)
            guard let character = characters.first(where: { $0.name.lowercased().split(whereSeparator: \.isWhitespace) == wanted }) else {
                throw ValidationError("The story has no character \(name) (it has: \(characters.map(\.name).joined(separator: ", "))).")
            }
            let request = RegenerateBioRequest(character: character, words: words, structuredContext: local)
            try await OperationRun(client: client, json: json).run(request, label: character.name) { result in
                "\(result.characterName)\n\(result.bio)\n\n\(result.words) words"
            }
        }
    }
}
