public import WriterAssistantAPI
import WriterAssistantLLM

/// The next chapter, written from a plot point in the story's voice. Free prose, so its token
/// events are the chapter as it is written.
extension GenerateChapterRequest: WritingOperation {
    public static let answerName = "chapter"
    /// Tokens per word of English prose, generously, for a budget that fits the words asked for.
    static let tokensPerWord = 1.6

    public static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and the plot point..."
        case .evaluating: "Reading the story..."
        case .generatingFeedback: "Writing the chapter..."
        case .parsing: "Checking the chapter..."
        case .complete: "Chapter complete."
        }
    }

    public func task(names: [String]) -> PromptTask {
        PromptTask(
            sections: ["# Plot point of the next chapter\n\(plotPoint.trimmed)"],
            instructions: "Write the next chapter of this story, in which this plot point happens: "
                + "about \(targetWords ?? Self.defaultWords) words of prose in the story's voice"
                + (names.isEmpty ? "" : ", with its own characters and places (" + names.joined(separator: ", ") + ")")
                + ". Write only the chapter itself: no title, no notes before or after it.")
    }

    public func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        let wanted = targetWords.map { Int(Double($0) * Self.tokensPerWord) + 40 } ?? settings.chapterMaxTokens
        return AnswerPlan(sampling: settings.prose(wanting: wanted))
    }

    public func result(from answer: FinishedAnswer) throws(FeedbackFailure) -> GenerateChapterResult {
        guard let (chapter, truncated) = ProseAnswer.read(answer.text, stoppedAtLimit: answer.stoppedAtLimit, endsAtHeading: true) else {
            throw FeedbackFailure(.parsingError, "The model wrote no chapter.")
        }
        let metadata = answer.metadata(truncated: truncated)
        return GenerateChapterResult(chapterText: chapter, wordCount: ProseAnswer.wordCount(chapter), contextMetadata: metadata)
    }

    /// Asked for when the writer names no length.
    static let defaultWords = 600
}
