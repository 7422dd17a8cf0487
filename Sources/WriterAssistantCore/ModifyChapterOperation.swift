public import WriterAssistantAPI
import WriterAssistantLLM

/// A chapter revised as the writer asks in words. The revised chapter comes first, right after
/// the model has read the original, which small models then follow closely instead of writing a
/// new text; the summary of changes follows it.
extension ModifyChapterRequest: WritingOperation {
    public static let answerName = "revised chapter"
    static let shape = JSONShape.object([
        ("modifiedChapter", .string(minimum: 20, maximum: nil)),
        ("changesSummary", .string(minimum: 10, maximum: 500, words: 3)),
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
            instructions: "Revise the chapter above as the writer asks: copy it, changing only what the request needs "
                + "and keeping every other sentence as it is. Answer with a JSON object: \"modifiedChapter\", the whole "
                + "revised chapter, then \"changesSummary\", one or two sentences on what you changed.")
    }

    /// Tokens kept for the summary after the chapter.
    static let summaryReserve = 110

    /// Said in place of a summary the token limit left out.
    public static let noSummary = "The answer reached its token limit before it could summarize the changes."

    public func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        // The chapter again with room to grow, and the summary.
        let wanted = OperationPipeline.Configuration.estimatedTokens(currentChapter) * 3 / 2 + 150 + Self.summaryReserve
        // The chapter (the second string, after its key) closes in time for its summary.
        return AnswerPlan(
            sampling: settings.prose(wanting: wanted), constraint: Self.shape.constraint,
            guide: LongStringGuide(string: 2, reserve: Self.summaryReserve))
    }

    public func result(from answer: FinishedAnswer) throws(FeedbackFailure) -> ModifyChapterResult {
        let object = try JSONAnswer.reading(answer)
        let cutInChapter = object.cutInside == "modifiedChapter"
        guard let written = object.string("modifiedChapter"),
            let (chapter, cutBack) = ProseAnswer.read(written, stoppedAtLimit: cutInChapter)
        else { throw JSONAnswer.unreadable(answer) }
        // The limit can end the answer before its summary; the chapter is what the writer asked for.
        let summary = object.string("changesSummary") ?? Self.noSummary
        // A chapter closed for lack of room (the guide closes it within the summary's reserve) is
        // as cut off as one the limit stopped: keeping it would shorten the writer's chapter.
        let closedEarly = (answer.metadata.completionTokens ?? 0) >= answer.maxTokens - Self.summaryReserve
        let metadata = answer.metadata(truncated: object.cutOff || cutBack || closedEarly)
        return ModifyChapterResult(
            modifiedChapter: chapter, wordCount: ProseAnswer.wordCount(chapter), changesSummary: summary,
            contextMetadata: metadata)
    }
}
