package import WriterAssistantAPI
import WriterAssistantLLM

/// A chapter revised as the writer asks in words. The revised chapter comes first, right after
/// the model has read the original, which small models then follow closely instead of writing a
/// new text; the summary of changes follows it.
extension ModifyChapterRequest: WritingOperation {
    package static let answerName = "revised chapter"
    static let shape = JSONShape.object([
        ("modifiedChapter", .string(minimum: 20, maximum: nil)),
        ("changesSummary", .string(minimum: 10, maximum: 500, words: 3)),
    ])

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story, the chapter and the request..."
        case .evaluating: "Reading the chapter..."
        case .generatingFeedback: "Revising the chapter..."
        case .parsing: "Checking the revised chapter..."
        case .complete: "Revision complete."
        }
    }

    package func task(names: [String]) -> PromptTask {
        PromptTask(
            sections: ["# Chapter to revise\n\(currentChapter.trimmed)", "# The writer's request\n\(userRequest.trimmed)"],
            instructions: "Revise the chapter above as the writer asks: copy it, changing only what the request needs "
                + "and keeping every other sentence as it is. Answer with a JSON object: \"modifiedChapter\", the whole "
                + "revised chapter, then \"changesSummary\", one or two sentences on what you changed.")
    }

    /// Tokens kept for the summary after the chapter.
    static let summaryReserve = 110

    /// Said in place of a summary the token limit left out.
    package static let noSummary = "The answer reached its token limit before it could summarize the changes."

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        // The chapter again with room to grow, and the summary.
        let wanted = OperationPipeline.Configuration.estimatedTokens(currentChapter) * 3 / 2 + 150 + Self.summaryReserve
        // The chapter (the second string, after its key) closes in time for its summary.
        return AnswerPlan(
            sampling: settings.prose(wanting: wanted), constraint: Self.shape.constraint,
            guide: LongStringGuide(string: 2, reserve: Self.summaryReserve))
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> ModifyChapterResult {
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

/// Revise until done: each round revises a chapter, then checks the revision against each
/// requested change; while changes are missing, another round revises the best revision so far
/// for them, up to `maxRounds` and within the time limit the run shares. `RevisionRounds` decides.
extension ModifyChapterRequest {
    package func produce(in run: OperationRun<Self>) async throws -> ModifyChapterResult {
        guard let maxRounds = checkedRounds else { return try await run.answerAndRead(self) }
        var rounds = RevisionRounds(changes: requestedChanges, maxRounds: maxRounds)
        var revisions: [(result: ModifyChapterResult, changes: [CheckedChange])] = []
        var used: [ContextMetadata] = []
        var note: String?
        while case .revise(let missing, let from) = rounds.next {
            try Task.checkCancellation()
            let number = revisions.count + 1
            let revising = from.map {
                ModifyChapterRequest(
                    currentChapter: revisions[$0].result.modifiedChapter, userRequest: Self.stillMissing(missing, of: userRequest),
                    structuredContext: structuredContext)
            } ?? self
            let revision: ModifyChapterResult
            do {
                if number > 1 { await run.emit(Self.round(number, of: maxRounds, .revising)) }
                // The first round's reading and writing are the contract's phases, with their round.
                let answer = try await run.answer(StoryPrompt(revising), plan: revising.answerPlan(run.configuration)) { phase in
                    number == 1 ? Self.status(phase, round: RoundProgress(number: 1, maxRounds: maxRounds, step: .revising)) : nil
                }
                revision = try revising.result(from: answer)
            } catch where number > 1 && !(error is CancellationError) {
                // A later round that cannot be written (out of time, too long to fit, the model
                // busy) ends the rounds; the writer still gets the best revision so far.
                let failure = run.clientFailure(for: error, answerName: Self.answerName)
                note = "Round \(number) could not be written, so the rounds stopped: \(failure.message)"
                rounds.stop()
                continue
            }
            used.append(revision.contextMetadata)
            await run.emit(Self.round(number, of: maxRounds, .checking))
            let check = ChangeCheck(changes: rounds.changes, original: currentChapter, revised: revision.modifiedChapter)
            var verdicts = check.nothingMade
            if let task = check.task(revised: revision.modifiedChapter) {
                do {
                    let answer = try await run.answer(
                        StoryPrompt(context: nil, task: task), plan: check.plan, answerName: ChangeCheck.answerName, streamsTokens: false
                    ) { _ in nil }
                    used.append(answer.metadata)
                    verdicts = check.verdicts(from: answer)
                } catch where !(error is CancellationError) {
                    // A check that fails confirms nothing, and the revision it was checking stands.
                    let failure = run.clientFailure(for: error, answerName: ChangeCheck.answerName)
                    note = "The check of round \(number) could not be written, so the rounds stopped: \(failure.message)"
                    rounds.stop()
                }
            }
            // A revision of a chapter cut short lacks its ending too, however it ends.
            let cutShort = revision.contextMetadata.truncated == true || from.map { rounds.checks[$0].cutShort } == true
            rounds.record(confirmed: verdicts.map(\.confirmed), cutShort: cutShort)
            revisions.append((revision, verdicts))
        }
        guard let best = rounds.best else { throw CancellationError() }
        await run.emit(Self.status(.parsing))
        var result = revisions[best].result
        // A revision of a chapter cut short is as cut as one the limit stopped.
        if rounds.checks[best].cutShort { result.contextMetadata.truncated = true }
        result.changes = revisions[best].changes
        result.rounds = revisions.count
        result.chosenRound = best + 1
        result.roundsNote = result.changes?.allSatisfy(\.confirmed) == true ? nil : note
        result.contextMetadata = ContextMetadata.spent(on: used, settled: result.contextMetadata, since: run.started)
        return result
    }

    /// The request of a later round: the writer's request, and what the revision it revises missed.
    static func stillMissing(_ missing: [String], of request: String) -> String {
        "\(request.trimmed)\n\nThe last revision did not yet make these changes; make them now:\n"
            + missing.map { "- \($0)" }.joined(separator: "\n")
    }

    /// The status of a round's step after the first revision, under the contract's writing phase.
    static func round(_ number: Int, of maxRounds: Int, _ step: RoundProgress.Step) -> OperationEvent<ModifyChapterResult> {
        let doing = step == .revising ? "revising the chapter for the changes still missing" : "checking the revision against each change"
        return .status(
            phase: .generatingFeedback, message: "Round \(number) of at most \(maxRounds): \(doing)...",
            progress: FeedbackPhase.generatingFeedback.progress, round: RoundProgress(number: number, maxRounds: maxRounds, step: step))
    }
}

extension ContextMetadata {
    /// The metadata of a result reached over several answers: `settled`'s (the answer returned),
    /// with the tokens and waiting of every answer in `used` and the time since `started`.
    static func spent(on used: [ContextMetadata], settled: ContextMetadata, since started: ContinuousClock.Instant) -> ContextMetadata {
        func total<Number: AdditiveArithmetic>(_ field: (ContextMetadata) -> Number?) -> Number? {
            used.contains { field($0) != nil } ? used.reduce(.zero) { $0 + (field($1) ?? .zero) } : nil
        }
        var spent = settled
        spent.tokens = used.reduce(0) { $0 + $1.tokens }
        spent.promptTokens = total(\.promptTokens)
        spent.completionTokens = total(\.completionTokens)
        spent.cachedTokens = total(\.cachedTokens)
        spent.queueTime = total(\.queueTime)
        spent.tokenCountsEstimated = used.contains { $0.tokenCountsEstimated == true } ? true : nil
        spent.processingTime = (ContinuousClock.now - started).inSeconds
        return spent
    }
}
