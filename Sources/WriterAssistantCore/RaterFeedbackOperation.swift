public import WriterAssistantAPI
import WriterAssistantLLM

/// A rater's opinion and suggestions on a plot point: the API's first operation.
extension RaterFeedbackRequest: WritingOperation {
    public static let answerName = "feedback"

    public static func message(for phase: FeedbackPhase) -> String { phase.message }

    public func task(names: [String]) -> PromptTask {
        PromptTask(
            sections: ["# Plot point to evaluate\n\(plotPoint.trimmed)", "# Your role as critic\n\(raterPrompt.trimmed)"],
            instructions: AnswerFormat.instructions(names: names))
    }

    public func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        let suggestions = AnswerFormat.writtenSuggestions(maxTokens: settings.sampling.maxTokens)
        return AnswerPlan(
            sampling: settings.sampling, constraint: AnswerFormat.constraint(suggestions: suggestions),
            guide: FeedbackAnswerGuide(suggestionRange: suggestions))
    }

    public func result(from answer: FinishedAnswer) throws(FeedbackFailure) -> RaterFeedbackResult {
        let reading = try FeedbackParser.read(answer.text, stoppedAtLimit: answer.stoppedAtLimit)
        let feedback = FeedbackCleanup(promptTexts: [answer.instructions, raterPrompt]).clean(reading.feedback)
        let metadata = answer.metadata(truncated: reading.truncated)
        return RaterFeedbackResult(
            raterName: raterName?.trimmed.nilIfEmpty ?? "Rater", feedback: feedback, contextMetadata: metadata)
    }
}
