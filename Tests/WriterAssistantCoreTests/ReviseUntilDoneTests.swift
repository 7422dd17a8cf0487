import Foundation
import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// Revise until done: the rounds' policy, the check of a revision, and a run of several rounds.
@Suite struct ReviseUntilDoneTests {
    // MARK: The rounds' policy

    @Test func revisesTheBestRoundForWhatItMissedUntilEveryChangeIsConfirmed() {
        var rounds = RevisionRounds(changes: ["rain", "a dog", "a name"], maxRounds: 3)
        #expect(rounds.next == .revise(missing: ["rain", "a dog", "a name"], from: nil))
        rounds.record(confirmed: [true, false, false])
        #expect(rounds.next == .revise(missing: ["a dog", "a name"], from: 0))
        rounds.record(confirmed: [true, true, true])
        #expect(rounds.next == .finish(round: 1))
    }

    @Test func aWorseRoundIsNotBuiltOnAndTheBoundReturnsTheBest() {
        var rounds = RevisionRounds(changes: ["rain", "a dog"], maxRounds: 3)
        rounds.record(confirmed: [true, false])
        rounds.record(confirmed: [false, false])
        // Round two lost the rain: round three revises round one's chapter again.
        #expect(rounds.next == .revise(missing: ["a dog"], from: 0))
        rounds.record(confirmed: [false, true])
        // Rounds one and three each show one change: the earlier, nearer the writer's text, wins.
        #expect(rounds.next == .finish(round: 0))
    }

    @Test func aRevisionCutShortIsChosenOnlyWhenNoneIsWhole() {
        var rounds = RevisionRounds(changes: ["rain", "a dog"], maxRounds: 2)
        rounds.record(confirmed: [true, true], cutShort: true)
        rounds.record(confirmed: [true, false])
        #expect(rounds.next == .finish(round: 1))
        var cut = RevisionRounds(changes: ["rain"], maxRounds: 1)
        cut.record(confirmed: [true], cutShort: true)
        #expect(cut.next == .finish(round: 0))
    }

    @Test func stoppingEndsTheRoundsWithTheBestSoFar() {
        var rounds = RevisionRounds(changes: ["rain", "a dog"], maxRounds: 4)
        rounds.record(confirmed: [true, false])
        rounds.stop()
        #expect(rounds.next == .finish(round: 0))
    }

    @Test func aCheckMissingVerdictsCountsThoseChangesUnconfirmed() {
        var rounds = RevisionRounds(changes: ["rain", "a dog"], maxRounds: 1)
        rounds.record(confirmed: [true])
        #expect(rounds.checks.map(\.confirmed) == [[true, false]])
        #expect(rounds.next == .finish(round: 0))
    }

    // MARK: The check

    static let original = "Ari walked home. The night was dry and still. She opened the door."
    static let revised = "Ari walked home. Rain drummed on the roof all night long. She opened the door."

    static func answer(_ text: String) -> FinishedAnswer {
        FinishedAnswer(text: text, stoppedAtLimit: false, metadata: ContextMetadata(tokens: 1, processingTime: 0), instructions: "")
    }

    @Test func onlySentencesTheRevisionAddedOrCutMayBeQuoted() throws {
        let check = ChangeCheck(changes: ["Make it rain"], original: Self.original, revised: Self.revised)
        #expect(check.newPassages == ["Rain drummed on the roof all night long"])
        #expect(check.removedPassages == ["The night was dry and still"])
        let grammar = check.shape.grammar
        #expect(grammar.contains("Rain drummed on the roof all night long"))
        #expect(!grammar.contains("She opened the door"))
        let task = try #require(check.task(revised: Self.revised))
        #expect(task.sections.last == "# Changes the writer asked for\n1. Make it rain")
        #expect(task.sections.contains("# Sentences the revision removed\nThe night was dry and still"))
    }

    @Test func theWritersOwnSentencesAreNeverEvidenceHoweverTheyAreWritten() {
        // Windows line endings, a tab inside a sentence, a one-word fragment.
        let original = "Ari walked home.\r\nThe night was\tdry.\r\nShe opened the door."
        let revised = "Ari walked home.\nThe night was dry.\nShe opened the door. Mr. Rain fell hard."
        let check = ChangeCheck(changes: ["rain"], original: original, revised: revised)
        #expect(check.newPassages == ["Rain fell hard"])
        #expect(check.removedPassages.isEmpty)
    }

    @Test func passagesAreWholeShortSentencesAndLongOnesStartsAsTheChapterHasThem() {
        let long = "Rain  fell " + String(repeating: "and fell ", count: 30) + "until dawn."
        let check = ChangeCheck(changes: ["rain"], original: "She slept.", revised: "She slept. It rained. \(long)")
        #expect(check.newPassages.first == "It rained")
        let start = check.newPassages[1]
        #expect(start.count <= ChangeCheck.longestPassage && start.hasPrefix("Rain  fell and fell"))
        #expect("She slept. It rained. \(long)".contains(start))
        // A sentence with a control character cannot be quoted through a grammar.
        #expect(ChangeCheck(changes: ["x"], original: "A.", revised: "A. Bell\u{7}rang out.").newPassages.isEmpty)
    }

    @Test func aRevisionThatChangedNothingConfirmsNothingWithoutAsking() {
        let respaced = "Ari walked home.\nThe night  was dry and still.   She opened the door."
        let check = ChangeCheck(changes: ["Make it rain"], original: Self.original, revised: respaced)
        #expect(check.task(revised: respaced) == nil)
        #expect(check.nothingMade == [CheckedChange(change: "Make it rain", confirmed: false)])
    }

    @Test func aYesNeedsEvidence() throws {
        let check = ChangeCheck(changes: ["Make it rain", "Add a dog", "Cut the dry night", "Add a cat"], original: Self.original, revised: Self.revised)
        let verdicts = check.verdicts(from: Self.answer(#"{"changes": [{"passage": "Rain drummed on the roof all night long", "made": "yes"}, {"passage": "none", "made": "yes"}, {"passage": "The night was dry and still", "made": "yes"}, {"passage": "Rain drummed on the roof all night long", "made": "no"}]}"#))
        #expect(verdicts == [
            CheckedChange(change: "Make it rain", confirmed: true, passage: "Rain drummed on the roof all night long"),
            CheckedChange(change: "Add a dog", confirmed: false),
            CheckedChange(change: "Cut the dry night", confirmed: true, removed: "The night was dry and still"),
            CheckedChange(change: "Add a cat", confirmed: false),
        ])
        // An answer that cannot be read confirms nothing.
        #expect(check.verdicts(from: Self.answer("no JSON here")).allSatisfy { !$0.confirmed })
    }

    @Test func theCheckIsGreedyAndHasOneEntryPerChange() {
        let check = ChangeCheck(changes: ["a", "b"], original: Self.original, revised: Self.revised)
        #expect(check.plan.sampling.temperature == 0)
        guard case .object(let fields) = check.shape, case .list(_, let count) = fields[0].value else {
            Issue.record("not a list of verdicts")
            return
        }
        #expect(count == 2...2)
    }

    // MARK: The request

    @Test func theChangesAreTheRequestsListItemsOrSentences() {
        var request = ModifyChapterRequest(currentChapter: "x", userRequest: "- Make it rain, softly, at dusk\n- Add a dog", maxRounds: 2)
        #expect(request.requestedChanges == ["Make it rain, softly, at dusk", "Add a dog"])
        request.userRequest = "Make her tall, dark and brave."
        #expect(request.requestedChanges == ["Make her tall, dark and brave."])
        request.changes = ["Rain", " "]
        #expect(request.requestedChanges == ["Rain"])
        // Changes given alone are checked once; no rounds and no changes, not at all.
        #expect(ModifyChapterRequest(currentChapter: "x", userRequest: "y", changes: ["y"]).checkedRounds == 1)
        #expect(ModifyChapterRequest(currentChapter: "x", userRequest: "y").checkedRounds == nil)
        // A request's sentences are cut to the longest change.
        let long = ModifyChapterRequest(currentChapter: "x", userRequest: String(repeating: "word ", count: 200), maxRounds: 1)
        #expect(long.requestedChanges.allSatisfy { $0.count <= ModifyChapterRequest.longestChange })
    }

    @Test func roundsAndChangesAreBounded() throws {
        #expect(try OperationTests.issues(#"{"currentChapter": "x", "userRequest": "y", "maxRounds": 0}"#, as: ModifyChapterRequest.self) == [["body", "maxRounds"]])
        #expect(try OperationTests.issues(#"{"currentChapter": "x", "userRequest": "y", "maxRounds": 5}"#, as: ModifyChapterRequest.self) == [["body", "maxRounds"]])
        #expect(try OperationTests.issues(#"{"currentChapter": "x", "userRequest": "y", "maxRounds": 4}"#, as: ModifyChapterRequest.self) == [])
        let many = (1...13).map { "\"change \($0)\"" }.joined(separator: ",")
        #expect(try OperationTests.issues(#"{"currentChapter": "x", "userRequest": "y", "maxRounds": 2, "changes": [\#(many)]}"#, as: ModifyChapterRequest.self) == [["body", "changes"]])
        #expect(try OperationTests.issues(#"{"currentChapter": "x", "userRequest": "y", "changes": []}"#, as: ModifyChapterRequest.self) == [["body", "changes"]])
        #expect(try OperationTests.issues(#"{"currentChapter": "x", "userRequest": "y", "changes": ["a", " "]}"#, as: ModifyChapterRequest.self) == [["body", "changes", 1]])
        let long = String(repeating: "a", count: 401)
        #expect(try OperationTests.issues(#"{"currentChapter": "x", "userRequest": "y", "changes": ["\#(long)"]}"#, as: ModifyChapterRequest.self) == [["body", "changes", 0]])
    }

    // MARK: A run of rounds

    static func revision(_ chapter: String) -> [String] {
        #"{"modifiedChapter": "\#(chapter)", "changesSummary": "Changed what was asked."}"#.chunked(into: 11)
    }

    static func run(
        _ request: ModifyChapterRequest, answers: [[String]], laterPieceDelay: Duration? = nil, timeout: Duration = .seconds(30)
    ) async -> (events: [OperationEvent<ModifyChapterResult>], model: ScriptedModel) {
        var script = ScriptedModel.Script(answer: answers[0])
        script.laterAnswers = Array(answers.dropFirst())
        script.laterPieceDelay = laterPieceDelay
        let model = ScriptedModel(script: script)
        let pipeline = OperationPipeline(
            host: ModelHost(.ready(model)),
            configuration: .init(sampling: SamplingParameters(maxTokens: 100), generationTimeout: timeout))
        var events: [OperationEvent<ModifyChapterResult>] = []
        for await event in pipeline.events(for: request, options: .init(includeTokens: true)) { events.append(event) }
        return (events, model)
    }

    @Test func aMissingChangeIsAskedForAgainAndTheRoundsAreReported() async throws {
        let request = ModifyChapterRequest(
            currentChapter: Self.original, userRequest: "- Make it rain\n- Add a dog", maxRounds: 3)
        let first = "Ari walked home. Rain drummed on the roof all night long. She opened the door."
        let second = first + " A dog barked twice in the yard."
        let (events, model) = await Self.run(request, answers: [
            Self.revision(first),
            [#"{"changes": [{"passage": "Rain drummed on the roof all night long", "made": "yes"}, {"passage": "none", "made": "no"}]}"#],
            Self.revision(second),
            [#"{"changes": [{"passage": "Rain drummed on the roof all night long", "made": "yes"}, {"passage": "A dog barked twice in the yard", "made": "yes"}]}"#],
        ])
        guard case .result(let result) = try #require(events.last) else { Issue.record("no result: \(events)"); return }
        #expect(result.modifiedChapter == second)
        #expect(result.rounds == 2 && result.chosenRound == 2 && result.roundsNote == nil)
        #expect(result.changes?.map(\.confirmed) == [true, true])
        #expect(result.changes?.last?.passage == "A dog barked twice in the yard")
        #expect(model.observed.started == 4)
        // The contract's phases in order, progress never going back, with each round's steps between.
        let statuses = events.compactMap { event -> (FeedbackPhase, Int, RoundProgress?)? in
            if case .status(let phase, _, let progress, let round) = event { (phase, progress, round) } else { nil }
        }
        #expect(statuses.map(\.1) == statuses.map(\.1).sorted())
        #expect(statuses.compactMap(\.2) == [
            RoundProgress(number: 1, maxRounds: 3, step: .revising), RoundProgress(number: 1, maxRounds: 3, step: .revising),
            RoundProgress(number: 1, maxRounds: 3, step: .checking),
            RoundProgress(number: 2, maxRounds: 3, step: .revising), RoundProgress(number: 2, maxRounds: 3, step: .checking),
        ])
        #expect(Set(statuses.map(\.0)) == Set(FeedbackPhase.allCases))
        // The check's JSON is not the chapter: only revisions stream as tokens.
        let streamed = events.compactMap { if case .token(let text) = $0 { text } else { nil } }.joined()
        #expect(!streamed.contains("\"made\""))
        #expect(streamed.contains("A dog barked"))
        // Round two revised round one's chapter, asked again for the dog alone.
        let asked = model.words(ModifyChapterRequest.stillMissing(["Add a dog"], of: request.userRequest))
        #expect(Self.contains(model.observed.prompts[2], asked))
        #expect(Self.contains(model.observed.prompts[2], model.words(first)))
        // The tokens of every answer count, the checks' (one piece each) included.
        #expect(result.contextMetadata.completionTokens == Self.revision(first).count + 1 + Self.revision(second).count + 1)
    }

    static func contains(_ tokens: [Token], _ run: [Token]) -> Bool {
        guard !run.isEmpty, tokens.count >= run.count else { return false }
        return (0...(tokens.count - run.count)).contains { Array(tokens[$0..<($0 + run.count)]) == run }
    }

    @Test func aWorseLaterRoundIsNotWhatTheWriterGets() async throws {
        let request = ModifyChapterRequest(currentChapter: Self.original, userRequest: "- Make it rain\n- Add a dog", maxRounds: 2)
        let worse = "Ari walked home. A cat slept. She opened the door."
        let (events, _) = await Self.run(request, answers: [
            Self.revision(Self.revised),
            [#"{"changes": [{"passage": "Rain drummed on the roof all night long", "made": "yes"}, {"passage": "none", "made": "no"}]}"#],
            Self.revision(worse),
            [#"{"changes": [{"passage": "none", "made": "no"}, {"passage": "none", "made": "no"}]}"#],
        ])
        guard case .result(let result) = try #require(events.last) else { Issue.record("no result: \(events)"); return }
        #expect(result.modifiedChapter == Self.revised)
        #expect(result.rounds == 2 && result.chosenRound == 1)
        #expect(result.changes?.map(\.confirmed) == [true, false])
    }

    @Test func aRevisionOfAChapterCutShortIsReportedCut() async throws {
        // Round one stops at the token limit; round two, whole, revises that cut chapter and
        // confirms more: it is chosen, and is as cut as the chapter it revised.
        let request = ModifyChapterRequest(currentChapter: Self.original, userRequest: "- Make it rain\n- Add a dog", maxRounds: 2)
        var cut = Self.revision(Self.revised)
        cut.removeLast(2)
        var script = ScriptedModel.Script(answer: cut)
        script.stopReason = .maxTokens
        script.laterStopReason = .endOfGeneration
        script.laterAnswers = [
            [#"{"changes": [{"passage": "Rain drummed on the roof all night long", "made": "yes"}, {"passage": "none", "made": "no"}]}"#],
            Self.revision(Self.revised + " A dog barked twice."),
            [#"{"changes": [{"passage": "Rain drummed on the roof all night long", "made": "yes"}, {"passage": "A dog barked twice", "made": "yes"}]}"#],
        ]
        let pipeline = OperationPipeline(
            host: ModelHost(.ready(ScriptedModel(script: script))), configuration: .init(sampling: SamplingParameters(maxTokens: 100)))
        let result = try await pipeline.result(for: request)
        #expect(result.chosenRound == 2 && result.changes?.allSatisfy(\.confirmed) == true)
        #expect(result.contextMetadata.truncated == true)
    }

    @Test func theTimeLimitEndsTheRoundsWithTheBestRevisionSoFar() async throws {
        // The first revision is instant; every later answer takes at least 200 ms a piece, so the
        // check (one piece) fits the limit of one and a half seconds and the second revision cannot.
        let request = ModifyChapterRequest(currentChapter: Self.original, userRequest: "Make it rain", maxRounds: 4)
        let (events, _) = await Self.run(
            request, answers: [Self.revision(Self.revised), [#"{"changes": [{"passage": "none", "made": "no"}]}"#], Self.revision(Self.revised)],
            laterPieceDelay: .milliseconds(200), timeout: .milliseconds(1_500))
        guard case .result(let result) = try #require(events.last) else { Issue.record("no result: \(events.suffix(2))"); return }
        #expect(result.rounds == 1 && result.chosenRound == 1)
        #expect(result.modifiedChapter == Self.revised)
        #expect(result.roundsNote?.hasPrefix("Round 2 could not be written") == true, "\(result.roundsNote ?? "")")
        #expect(result.roundsNote?.contains("did not finish the revised chapter") == true)
    }

    @Test func anUnchangedRevisionIsNotCheckedByTheModel() async throws {
        let request = ModifyChapterRequest(currentChapter: Self.original, userRequest: "Make it rain", maxRounds: 2)
        let (events, model) = await Self.run(request, answers: [Self.revision(Self.original)])
        guard case .result(let result) = try #require(events.last) else { Issue.record("no result: \(events)"); return }
        #expect(result.rounds == 2)
        #expect(result.changes == [CheckedChange(change: "Make it rain", confirmed: false)])
        // Two revisions, no checks.
        #expect(model.observed.started == 2)
    }

    @Test func withoutRoundsARevisionIsOneAnswerAsBefore() async throws {
        let request = ModifyChapterRequest(currentChapter: Self.original, userRequest: "Make it rain")
        let (events, model) = await Self.run(request, answers: [Self.revision(Self.revised)])
        guard case .result(let result) = try #require(events.last) else { Issue.record("no result: \(events)"); return }
        #expect(result.changes == nil && result.rounds == nil)
        #expect(model.observed.started == 1)
        #expect(events.allSatisfy { if case .status(_, _, _, let round) = $0 { round == nil } else { true } })
    }
}
