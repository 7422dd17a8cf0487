package import WriterAssistantAPI
import WriterAssistantLLM

/// A character's full sheet distilled into one paragraph of a set length: who they are, what
/// drives them, what they fear. Free prose, cut back to whole sentences within the length.
extension RegenerateBioRequest: WritingOperation {
    package static let answerName = "bio"

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and the character's sheet..."
        case .evaluating: "Reading the story..."
        case .generatingFeedback: "Writing the bio..."
        case .parsing: "Checking the bio's length..."
        case .complete: "Bio complete."
        }
    }

    package func task(names: [String]) -> PromptTask {
        let name = character.name.trimmed
        return PromptTask(
            sections: ["# Character sheet to distill\n" + StoryPrompt.describe(character)],
            instructions: "Write a bio of \(name) from the character sheet above: one paragraph of at most \(wordLimit) "
                + "words in the third person, saying who \(name) is, what drives them and what they fear, in plain "
                + "sentences. Keep only what the sheet says; write only the paragraph.")
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        // About two tokens a word, and room for the sentence that crosses the limit to end, so
        // that the bio is cut back to whole sentences rather than stopped mid-word.
        AnswerPlan(sampling: settings.prose(wanting: wordLimit * 2 + 40))
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> RegenerateBioResult {
        guard let (prose, stopped) = ProseAnswer.read(answer.text, stoppedAtLimit: answer.stoppedAtLimit) else {
            throw OperationFailure(.parsingError, "The model wrote no bio.")
        }
        // One paragraph: the first the model wrote, its lines joined.
        let lines = prose.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmed }
        let paragraph = lines.prefix { !$0.isEmpty }.joined(separator: " ")
        let bio = Self.within(wordLimit, paragraph)
        guard !bio.isEmpty else { throw OperationFailure(.parsingError, "The model wrote no bio.") }
        let cut = stopped || bio != paragraph
        return RegenerateBioResult(
            bio: bio, characterName: character.name.trimmed, words: ProseAnswer.wordCount(bio),
            contextMetadata: answer.metadata(truncated: cut))
    }

    /// `text` within `limit` words: its whole sentences that fit, or its first `limit` words
    /// closed with an ellipsis when not even its first sentence does.
    static func within(_ limit: Int, _ text: String) -> String {
        guard ProseAnswer.wordCount(text) > limit else { return text }
        if let sentences = ProseAnswer.sentences(of: text, withinWords: limit) { return sentences }
        var head = text.split(whereSeparator: \.isWhitespace).prefix(limit).joined(separator: " ")
        while let last = head.last, last.isPunctuation { head.removeLast() }
        return head + "…"
    }
}
