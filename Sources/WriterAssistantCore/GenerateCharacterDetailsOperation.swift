package import WriterAssistantAPI
import WriterAssistantLLM

/// A new character's sheet, from a short bio, with the fields of the story's own characters.
extension GenerateCharacterDetailsRequest: WritingOperation {
    package static let answerName = "character sheet"
    /// What the sheet's short fields may hold: each what it is for, so that a name cannot end up in
    /// "sex" nor a sentence in "age".
    package static let sexes = ["female", "male", "intersex", "unspecified"]
    package static let genders = ["woman", "man", "non-binary", "genderqueer", "genderfluid", "agender", "bigender", "unspecified"]
    static let longFields = ["personality", "motivations", "fears", "relationships", "physicalAppearance", "usualClothing"]
    /// The sheet, whose name may not begin as any of the story's characters' names do.
    var shape: JSONShape {
        .object(
            [("name", .name(excluding: takenNames)), ("sex", .choice(Self.sexes)), ("gender", .choice(Self.genders)),
             ("age", .number(digits: 4))]
                + Self.longFields.map { ($0, .string(minimum: 10, maximum: 300, words: 2)) })
    }

    /// The names of the story's characters and of the others given.
    var takenNames: [String] {
        ((structuredContext?.characters ?? []) + (existingCharacters ?? [])).map { $0.name.trimmed }.filter { !$0.isEmpty }
    }

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and the character's bio..."
        case .evaluating: "Reading the story..."
        case .generatingFeedback: "Writing the character sheet..."
        case .parsing: "Parsing and validating the character sheet..."
        case .complete: "Character sheet complete."
        }
    }

    package func task(names: [String]) -> PromptTask {
        var sections = ["# The new character\n\(basicBio.trimmed)"]
        let others = (existingCharacters ?? []).map(StoryPrompt.describe)
        if !others.isEmpty { sections.append("# Other characters\n" + others.joined(separator: "\n\n")) }
        let taken = takenNames
        return PromptTask(
            sections: sections,
            instructions: "Create this new character for the story as a character sheet; if the bio names them, "
                + "that is their name. Answer with a JSON object with \"name\""
                + (taken.isEmpty ? "" : " (not " + taken.joined(separator: ", ") + ")")
                + ", \"sex\" (" + Self.sexes.joined(separator: ", ") + "), \"gender\" (" + Self.genders.joined(separator: ", ")
                + "), \"age\" (in years, a number), then one or two sentences each for \"personality\", \"motivations\", "
                + "\"fears\", \"relationships\" (to the story's other characters), \"physicalAppearance\" and "
                + "\"usualClothing\".")
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        AnswerPlan(sampling: settings.sampling, constraint: shape.constraint)
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> GenerateCharacterDetailsResult {
        let object = try JSONAnswer.reading(answer)
        guard let name = object.string("name") else { throw JSONAnswer.unreadable(answer) }
        // The grammar keeps a local model from it; a model server given only the schema is not.
        if let existing = StoryNames.taken(name, among: takenNames) {
            throw OperationFailure(
                .parsingError, "The model named the new character \"\(name.prefix(60))\", which is \(existing.prefix(60))'s name written another way. Ask again.")
        }
        let field = { (key: String) in object.string(key) ?? "" }
        // A model server given only the schema may not keep to it: a field that does not hold
        // what it is for is left for the writer rather than filled with something else.
        let chosen = { (key: String, values: [String]) in values.first { $0 == field(key).lowercased() } ?? "" }
        let age = field("age").drop { !$0.isNumber }.prefix { $0.isNumber }
        let metadata = answer.metadata(truncated: object.cutOff)
        return GenerateCharacterDetailsResult(
            name: name, sex: chosen("sex", Self.sexes), gender: chosen("gender", Self.genders), age: String(age.prefix(4)), personality: field("personality"),
            motivations: field("motivations"), fears: field("fears"), relationships: field("relationships"),
            physicalAppearance: field("physicalAppearance"), usualClothing: field("usualClothing"),
            contextMetadata: metadata)
    }
}
