public import WriterAssistantAPI
import WriterAssistantLLM

/// A new character's sheet, from a short bio, with the fields of the story's own characters.
extension GenerateCharacterDetailsRequest: WritingOperation {
    public static let answerName = "character sheet"
    static let shortFields = ["sex", "gender", "age"]
    static let longFields = ["personality", "motivations", "fears", "relationships", "physicalAppearance", "usualClothing"]
    /// The sheet, whose name may not begin as any of the story's characters' names do.
    var shape: JSONShape {
        .object(
            [("name", .name(excluding: takenNames))]
                + Self.shortFields.map { ($0, .string(minimum: 1, maximum: 30)) }
                + Self.longFields.map { ($0, .string(minimum: 10, maximum: 300, words: 2)) })
    }

    /// The names of the story's characters and of the others given.
    var takenNames: [String] {
        ((structuredContext?.characters ?? []) + (existingCharacters ?? [])).map { $0.name.trimmed }.filter { !$0.isEmpty }
    }

    public static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and the character's bio..."
        case .evaluating: "Reading the story..."
        case .generatingFeedback: "Writing the character sheet..."
        case .parsing: "Parsing and validating the character sheet..."
        case .complete: "Character sheet complete."
        }
    }

    public func task(names: [String]) -> PromptTask {
        var sections = ["# The new character\n\(basicBio.trimmed)"]
        let others = (existingCharacters ?? []).map(StoryPrompt.describe)
        if !others.isEmpty { sections.append("# Other characters\n" + others.joined(separator: "\n\n")) }
        let taken = takenNames
        return PromptTask(
            sections: sections,
            instructions: "Create this new character for the story as a character sheet. Answer with a JSON object "
                + "with \"name\"" + (taken.isEmpty ? "" : " (not " + taken.joined(separator: ", ") + ")")
                + ", \"sex\", \"gender\", \"age\", then one or two sentences each for \"personality\", \"motivations\", "
                + "\"fears\", \"relationships\" (to the story's other characters), \"physicalAppearance\" and "
                + "\"usualClothing\".")
    }

    public func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        AnswerPlan(sampling: settings.sampling, constraint: shape.constraint)
    }

    public func result(from answer: FinishedAnswer) throws(FeedbackFailure) -> GenerateCharacterDetailsResult {
        let object = try JSONAnswer.reading(answer)
        guard let name = object.string("name") else { throw JSONAnswer.unreadable(answer) }
        let field = { (key: String) in object.string(key) ?? "" }
        let metadata = answer.metadata(truncated: object.cutOff)
        return GenerateCharacterDetailsResult(
            name: name, sex: field("sex"), gender: field("gender"), age: field("age"), personality: field("personality"),
            motivations: field("motivations"), fears: field("fears"), relationships: field("relationships"),
            physicalAppearance: field("physicalAppearance"), usualClothing: field("usualClothing"),
            contextMetadata: metadata)
    }
}
