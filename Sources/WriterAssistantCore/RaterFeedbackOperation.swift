package import WriterAssistantAPI
import WriterAssistantLLM

/// A rater's opinion and suggestions on a plot point: the API's first operation.
extension RaterFeedbackRequest: WritingOperation {
    package static let answerName = "feedback"

    package static func message(for phase: FeedbackPhase) -> String { phase.message }

    package func task(names: [String]) -> PromptTask {
        PromptTask(
            sections: ["# Plot point to evaluate\n\(plotPoint.trimmed)", "# Your role as critic\n\(raterPrompt.trimmed)"],
            instructions: AnswerFormat.instructions(names: names))
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        let suggestions = AnswerFormat.writtenSuggestions(maxTokens: settings.sampling.maxTokens)
        return AnswerPlan(
            sampling: settings.sampling, constraint: AnswerFormat.shape(suggestions: suggestions).constraint,
            guide: FeedbackAnswerGuide(suggestionRange: suggestions))
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> RaterFeedbackResult {
        let reading = try FeedbackParser.read(answer.text, stoppedAtLimit: answer.stoppedAtLimit)
        let feedback = FeedbackCleanup(promptTexts: [answer.instructions, raterPrompt]).clean(reading.feedback)
        let metadata = answer.metadata(truncated: reading.truncated)
        return RaterFeedbackResult(
            raterName: raterName?.trimmed.nilIfEmpty ?? "Rater", feedback: feedback, contextMetadata: metadata)
    }
}
