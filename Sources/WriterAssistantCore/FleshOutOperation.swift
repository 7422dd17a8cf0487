package import WriterAssistantAPI
import WriterAssistantLLM

/// A sketchy passage written out in full: the same events, more of what the reader sees, hears
/// and feels. Free prose.
extension FleshOutRequest: WritingOperation {
    package static let answerName = "passage"

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and the passage..."
        case .evaluating: "Reading the story..."
        case .generatingFeedback: "Writing the passage out..."
        case .parsing: "Checking the passage..."
        case .complete: "Passage complete."
        }
    }

    package func task(names: [String]) -> PromptTask {
        var sections = ["# Passage to flesh out\n\(textToFleshOut.trimmed)"]
        if let context = context?.trimmed.nilIfEmpty { sections.append("# What the writer wants added\n\(context)") }
        return PromptTask(
            sections: sections,
            instructions: "Write the passage above out in full, about three times as long: the same events in the "
                + "same order and the story's voice, with what the reader would see, hear and feel, and dialogue "
                + "where it fits. Write only the new passage, no notes.")
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        // Four times the passage's tokens (about three times its length), and room for a short sketch to grow.
        let wanted = max(300, OperationPipeline.Configuration.estimatedTokens(textToFleshOut) * 4)
        return AnswerPlan(sampling: settings.prose(wanting: wanted))
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> FleshOutResult {
        guard let (passage, truncated) = ProseAnswer.read(answer.text, stoppedAtLimit: answer.stoppedAtLimit) else {
            throw OperationFailure(.parsingError, "The model wrote no passage.")
        }
        let metadata = answer.metadata(truncated: truncated)
        return FleshOutResult(fleshedOutText: passage, originalText: textToFleshOut, contextMetadata: metadata)
    }
}
