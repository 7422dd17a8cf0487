import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// A generated chapter keeps to the length asked, within a quarter of it, and says why when it
/// does not.
@Suite struct ChapterLengthTests {
    @Test func theRangeIsAQuarterEitherSideOfTheWordsAsked() {
        let policy = ChapterLengthPolicy(asked: 400)
        #expect(policy.minimumWords == 300 && policy.maximumWords == 500)
        // Both reckoned at the most tokens a word takes: the minimum is reached whatever the
        // tokenizer, and the budget has room for the most words allowed.
        #expect(policy.minTokens(within: 10_000) == 450)
        #expect(policy.maxTokens(within: 10_000) == 750)
        // A server whose chapter limit is lower bounds both, and leaves the model room to end.
        #expect(policy.maxTokens(within: 200) == 200 && policy.minTokens(within: 200) == 160)
        let odd = ChapterLengthPolicy(asked: 50)
        #expect(odd.minimumWords == 38 && odd.maximumWords == 62)
    }

    @Test func theAnswerIsSampledWithinTheRange() {
        var request = OperationSamples.generateChapter
        request.targetWords = 400
        let plan = request.answerPlan(OperationPipeline.Configuration(chapterMaxTokens: 1_500))
        #expect(plan.sampling.minTokens == 450 && plan.sampling.maxTokens == 750)
        #expect((plan.guide as? ChapterGuide)?.endAfterWords == 400)
        #expect(plan.constraint == nil)
        // No length asked: the default's range, said in the instructions too.
        request.targetWords = nil
        let defaults = request.answerPlan(OperationPipeline.Configuration(chapterMaxTokens: 1_500))
        #expect(defaults.sampling.maxTokens == 1_125 && defaults.sampling.minTokens == 675)
        #expect(request.task(names: []).instructions.contains("about 600 words"))
    }

    @Test func aChapterWithinTheRangeSaysNothingMore() {
        let length = ChapterLengthPolicy(asked: 400).judge(words: 320, ending: .model)
        #expect(length == ChapterLength(asked: 400, minimum: 300, maximum: 500, withinTolerance: true))
    }

    @Test(arguments: [
        (ChapterLengthPolicy.Ending.model, "The model ended the chapter at 98 words"),
        (.nextChapter, "The model began another chapter after 98 words"),
        (.serverLimit(160), "This server writes chapters of at most about 123 words, so it stopped at 98 words"),
        (.rangeBudget, "The token budget for this length stopped it at 98 words"),
    ])
    func aShortChapterSaysWhy(ending: ChapterLengthPolicy.Ending, opening: String) throws {
        let length = ChapterLengthPolicy(asked: 400).judge(words: 98, ending: ending)
        #expect(!length.withinTolerance)
        let note = try #require(length.note)
        #expect(note.hasPrefix(opening), "\(note)")
        #expect(note.contains("300–500"))
    }

    @Test func aLongChapterSaysSo() throws {
        let length = ChapterLengthPolicy(asked: 400).judge(words: 841, ending: .model)
        #expect(!length.withinTolerance)
        #expect(try #require(length.note).hasPrefix("The model wrote 841 words, more than the 300–500 asked"))
    }

    /// The result says how its end was found: another chapter begun and cut, the server's chapter
    /// limit, or the model.
    @Test func theResultJudgesItsLengthByHowTheAnswerEnded() throws {
        var request = OperationSamples.generateChapter
        request.targetWords = 50
        let ranOn = try request.result(from: OperationTests.finished("Ari ran home.\n\n## Chapter 4\nMore.", stoppedAtLimit: false))
        #expect(ranOn.chapterText == "Ari ran home.")
        #expect(ranOn.length?.note?.hasPrefix("The model began another chapter after 3 words") == true)

        let ended = try request.result(from: OperationTests.finished("Ari ran home.\n\n*The End*\n\nI hope you enjoyed this chapter!"))
        #expect(ended.chapterText == "Ari ran home.")
        #expect(ended.length?.note?.hasPrefix("The model ended the chapter at 3 words") == true)

        var capped = OperationTests.finished("Ari ran home. She slept. The dark ans", stoppedAtLimit: true)
        capped.maxTokens = 40
        let limited = try request.result(from: capped)
        #expect(limited.length?.note?.hasPrefix("This server writes chapters of at most about 30 words") == true)
        #expect(limited.contextMetadata.truncated == true)

        capped.maxTokens = ChapterLengthPolicy(asked: 50).maxTokens(within: .max)
        #expect(try request.result(from: capped).length?.note?.hasPrefix("The token budget for this length") == true)

        // Longer than the most allowed (a model server takes no guide): cut back to its last
        // sentence within them, and said.
        let long = String(repeating: "Ari ran all the way home. ", count: 14)  // 84 words
        let cut = try request.result(from: OperationTests.finished(long))
        #expect(cut.wordCount == 60 && cut.chapterText.hasSuffix("home."))
        #expect(cut.length?.withinTolerance == true)
        #expect(cut.length?.note?.hasPrefix("The model wrote past the 38–62 asked") == true)

        let plain = try request.result(from: OperationTests.finished("Ari ran home."))
        #expect(plain.length == ChapterLength(
            asked: 50, minimum: 38, maximum: 62, withinTolerance: false,
            note: "The model ended the chapter at 3 words, short of the 38–62 asked (50 words, give or take a quarter)."))
    }
}

/// Until its minimum, a chapter may not open a line with `#` (the next chapter's heading); a
/// title on its first line may, and after the minimum anything may.
@Suite struct ChapterGuideTests {
    @Test func noHeadingOpensALineBeforeTheMinimum() {
        var guide = ChapterGuide(minTokens: 5)
        let hash = UInt8(ascii: "#")
        #expect(guide.requirement(tokensLeft: 100) == .noLineOpening(hash, atLineStart: false))
        guide.observe(Array("# The Door".utf8))
        guide.observe(Array("\n".utf8))
        #expect(guide.requirement(tokensLeft: 100) == .noLineOpening(hash, atLineStart: true))
        guide.observe(Array("  ".utf8))
        #expect(guide.requirement(tokensLeft: 100) == .noLineOpening(hash, atLineStart: true), "spaces keep a line start")
        guide.observe(Array("Ari".utf8))
        #expect(guide.requirement(tokensLeft: 100) == .noLineOpening(hash, atLineStart: false))
        guide.observe(Array(" ran.\n".utf8))
        #expect(guide.requirement(tokensLeft: 100) == .free, "the minimum is written")
    }

    /// Once it has the words asked, a chapter ends at its next sentence end, a closing quote
    /// after it included.
    @Test func theChapterEndsAtTheFirstSentenceEndAfterTheWordsAsked() {
        var guide = ChapterGuide(minTokens: 0, endAfterWords: 4)
        guide.observe(Array("Ari ran home.".utf8))
        #expect(guide.requirement(tokensLeft: 100) == .free, "three words")
        guide.observe(Array(" \"Who is".utf8))
        #expect(guide.requirement(tokensLeft: 100) == .free, "mid-sentence")
        guide.observe(Array(" there?\u{201D}".utf8))
        #expect(guide.requirement(tokensLeft: 100) == .end)
    }

    @Test func aChapterIsGuidedAndOtherProseIsNot() {
        let plan = OperationSamples.generateChapter.answerPlan(OperationPipeline.Configuration())
        #expect((plan.guide as? ChapterGuide)?.minTokens == plan.sampling.minTokens)
        #expect(OperationSamples.fleshOut.answerPlan(OperationPipeline.Configuration()).guide == nil)
    }
}
