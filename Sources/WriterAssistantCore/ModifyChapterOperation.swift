public import WriterAssistantAPI
import WriterAssistantLLM

/// A chapter revised as the writer asks in words. The summary of changes comes first, so that an
/// answer cut off by its budget still says what it changed, and the writer reads it before the
/// chapter streams in.
extension ModifyChapterRequest: WritingOperation {
    public static let answerName = "revised chapter"
    static let shape = JSONShape.object([
        ("changesSummary", .string(minimum: 10, maximum: 500, words: 3)),
        ("modifiedChapter", .string(minimum: 20, maximum: nil)),
    ])

    public static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story, the chapter and the request..."
        case .evaluating: "Reading the chapter..."
        case .generatingFeedback: "Revising the chapter..."
        case .parsing: "Checking the revised chapter..."
        case .complete: "Revision complete."
        }
    }

    public func task(names: [String]) -> PromptTask {
        PromptTask(
            sections: ["# Chapter to revise\n\(currentChapter.trimmed)", "# The writer's request\n\(userRequest.trimmed)"],
            instructions: "Revise the chapter above as the writer asks, changing what the request needs and keeping "
                + "the rest as it is. Answer with a JSON object: \"changesSummary\", one or two sentences on what you "
                + "changed, then \"modifiedChapter\", the whole revised chapter.")
    }

    public func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        var sampling = settings.sampling
        // The chapter again (about four characters to a token) with room to grow, and the summary.
        sampling.maxTokens = min(settings.chapterMaxTokens, currentChapter.utf8.count / 4 * 3 / 2 + 200)
        return AnswerPlan(sampling: sampling, constraint: Self.shape.constraint)
    }

    public func result(from answer: FinishedAnswer) throws(FeedbackFailure) -> ModifyChapterResult {
        let object = try JSONAnswer.reading(answer)
        let cutInChapter = object.cutInside == "modifiedChapter"
        guard let summary = object.string("changesSummary"), let written = object.string("modifiedChapter"),
            let (chapter, cutBack) = ProseAnswer.read(written, stoppedAtLimit: cutInChapter)
        else { throw JSONAnswer.unreadable(answer) }
        var metadata = answer.metadata
        metadata.truncated = object.cutOff || cutBack ? true : nil
        return ModifyChapterResult(
            modifiedChapter: chapter, wordCount: ProseAnswer.wordCount(chapter), changesSummary: summary,
            contextMetadata: metadata)
    }
}
