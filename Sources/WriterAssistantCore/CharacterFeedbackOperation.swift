public import WriterAssistantAPI
import WriterAssistantLLM

/// How one of the story's characters lives a plot point: what they do, say, feel in the body and
/// at heart, and think, in their own voice.
extension CharacterFeedbackRequest: WritingOperation {
    public static let answerName = "character feedback"
    static let parts = ["actions", "dialog", "physicalSensations", "emotions", "internalMonologue"]
    static let shape = JSONShape.object(parts.map { ($0, .list(.string(minimum: 8, maximum: 240, words: 3), count: 1...3)) })

    public static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story, the character and the plot point..."
        case .evaluating: "Reading the story as the character..."
        case .generatingFeedback: "Writing the character's actions, words, feelings and thoughts..."
        case .parsing: "Parsing and validating the character's feedback..."
        case .complete: "Character feedback complete."
        }
    }

    public func task(names: [String]) -> PromptTask {
        let name = character?.name.trimmed ?? characterName.trimmed
        var sections = ["# Plot point\n\(plotPoint.trimmed)"]
        // The story's character section may have been left out to fit; this one always stays.
        if let character { sections.append("# You are \(name)\n" + StoryPrompt.describe(character)) }
        return PromptTask(
            sections: sections,
            instructions: "Live this plot point as \(name), in \(name)'s own voice. Answer with a JSON object with "
                + "five lists of one to three short entries each: \"actions\" (what \(name) does), \"dialog\" (what "
                + "\(name) says aloud, as spoken lines), \"physicalSensations\" (what \(name) feels in the body), "
                + "\"emotions\" (what \(name) feels at heart), and \"internalMonologue\" (what \(name) thinks, in the "
                + "first person).")
    }

    public func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        AnswerPlan(sampling: settings.sampling, constraint: Self.shape.constraint)
    }

    public func result(from answer: FinishedAnswer) throws(FeedbackFailure) -> CharacterFeedbackResult {
        let object = try JSONAnswer.reading(answer)
        let cleanup = FeedbackCleanup(promptTexts: [answer.instructions])
        let written = Self.parts.map { object.strings($0) }
        let kept = written.map(cleanup.keep)
        // An answer made only of echoes is still the model's answer; say so rather than hide it.
        let lists = kept.allSatisfy(\.isEmpty) ? written : kept
        guard lists.contains(where: { !$0.isEmpty }) else { throw JSONAnswer.unreadable(answer) }
        let metadata = answer.metadata(truncated: object.cutOff)
        return CharacterFeedbackResult(
            characterName: character?.name.trimmed ?? characterName.trimmed,
            feedback: CharacterFeedback(
                actions: lists[0], dialog: lists[1], physicalSensations: lists[2], emotions: lists[3],
                internalMonologue: lists[4]),
            contextMetadata: metadata)
    }
}
