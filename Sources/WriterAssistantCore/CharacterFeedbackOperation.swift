package import WriterAssistantAPI
import WriterAssistantLLM

/// How one of the story's characters lives a plot point: what they do, say, feel in the body and
/// at heart, and think, in their own voice.
extension CharacterFeedbackRequest: WritingOperation {
    package static let answerName = "character feedback"
    static let parts = ["actions", "dialog", "physicalSensations", "emotions", "internalMonologue"]
    static let shape = JSONShape.object(parts.map { ($0, .list(.string(minimum: 8, maximum: 240, words: 3), count: 1...3)) })

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story, the character and the plot point..."
        case .evaluating: "Reading the story as the character..."
        case .generatingFeedback: "Writing the character's actions, words, feelings and thoughts..."
        case .parsing: "Parsing and validating the character's feedback..."
        case .complete: "Character feedback complete."
        }
    }

    package func task(names: [String]) -> PromptTask {
        let name = character?.name.trimmed ?? characterName.trimmed
        var sections = ["# Plot point\n\(plotPoint.trimmed)"]
        // The story's character section may have been left out to fit; this one always stays.
        if let character { sections.append("# You are \(name)\n" + StoryPrompt.describe(character)) }
        // Who they are said again where the model reads last: a small model otherwise drifts into
        // a voice of its own ("I'm a little girl" from a man of 63).
        let who = character.flatMap(Self.identity).map { "\(name), \($0)" } ?? name
        return PromptTask(
            sections: sections,
            instructions: "Live this plot point as \(who), in \(name)'s own voice: speak only as \(name), never as "
                + "another character, nor as someone of another age or gender. Answer with a JSON object with "
                + "five lists of one to three short entries each: \"actions\" (what \(name) does), \"dialog\" (what "
                + "\(name) says aloud, as spoken lines), \"physicalSensations\" (what \(name) feels in the body), "
                + "\"emotions\" (what \(name) feels at heart), and \"internalMonologue\" (what \(name) thinks, in the "
                + "first person).")
    }

    /// "a man of 63", "a girl of 9", "a woman", "a person of 30", "aged about 300": who a
    /// character is, from the sheet's gender (its sex where it gives none) and age, or nil when
    /// the sheet says neither.
    static func identity(of character: StoryCharacter) -> String? {
        let said = [character.gender, character.sex].compactMap { $0?.trimmed.nilIfEmpty }.first ?? ""
        let words = said.lowercased().split { !$0.isLetter }.map(String.init)
        let age = character.age?.trimmed ?? ""
        let years = Int(age.prefix { $0.isNumber })
        let young = years.map { $0 < 18 } ?? false
        let noun: String? =
            if words.contains(where: { ["female", "woman", "girl"].contains($0) }) { young ? "girl" : "woman" }
            else if words.contains(where: { ["male", "man", "boy"].contains($0) }) { young ? "boy" : "man" }
            else if !words.isEmpty { "person" }
            else { nil }
        switch (noun, years, age.isEmpty) {
        case let (noun?, years?, _): return "a \(noun) of \(years)"
        case let (noun?, nil, true): return "a \(noun)"
        case let (noun?, nil, false): return "a \(noun), \(age.prefix(40))"
        case let (nil, years?, _): return "aged \(years)"
        case (nil, nil, false): return "aged \(age.prefix(40))"
        case (nil, nil, true): return nil
        }
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        AnswerPlan(sampling: settings.sampling, constraint: Self.shape.constraint)
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> CharacterFeedbackResult {
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
