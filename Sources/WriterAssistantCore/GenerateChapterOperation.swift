package import WriterAssistantAPI
import WriterAssistantLLM

/// The next chapter, written from a plot point in the story's voice. Free prose, so its token
/// events are the chapter as it is written.
extension GenerateChapterRequest: WritingOperation {
    package static let answerName = "chapter"

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and the plot point..."
        case .evaluating: "Reading the story..."
        case .generatingFeedback: "Writing the chapter..."
        case .parsing: "Checking the chapter..."
        case .complete: "Chapter complete."
        }
    }

    package func task(names: [String]) -> PromptTask {
        PromptTask(
            sections: ["# Plot point of the next chapter\n\(plotPoint.trimmed)"],
            instructions: "Write the next chapter of this story, in which this plot point happens: "
                + "about \(wordsAsked) words of prose in the story's voice"
                + (names.isEmpty ? "" : ", with its own characters and places (" + names.joined(separator: ", ") + ")")
                + ". Write only the chapter itself: no title, no notes before or after it.")
    }

    var lengthPolicy: ChapterLengthPolicy { ChapterLengthPolicy(asked: wordsAsked) }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        let policy = lengthPolicy
        var sampling = settings.prose(wanting: policy.maxTokens(within: settings.chapterMaxTokens))
        sampling.minTokens = policy.minTokens(within: settings.chapterMaxTokens)
        return AnswerPlan(sampling: sampling, guide: ChapterGuide(minTokens: sampling.minTokens, endAfterWords: policy.asked))
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> GenerateChapterResult {
        guard let reading = ProseAnswer.reading(answer.text, stoppedAtLimit: answer.stoppedAtLimit, endsAtHeading: true) else {
            throw OperationFailure(.parsingError, "The model wrote no chapter.")
        }
        let policy = lengthPolicy
        var text = reading.text
        var words = ProseAnswer.wordCount(text)
        var cut = false
        if words > policy.maximumWords, let kept = ProseAnswer.sentences(of: text, withinWords: policy.maximumWords) {
            (text, words, cut) = (kept, ProseAnswer.wordCount(kept), true)
        }
        let ending: ChapterLengthPolicy.Ending =
            if reading.ranIntoHeading { .nextChapter }
            else if !answer.stoppedAtLimit { .model }
            else if answer.maxTokens < policy.maxTokens(within: .max) { .serverLimit(answer.maxTokens) }
            else { .rangeBudget }
        return GenerateChapterResult(
            chapterText: text, wordCount: words, length: policy.judge(words: words, ending: ending, cutToRange: cut),
            contextMetadata: answer.metadata(truncated: reading.truncated))
    }
}
