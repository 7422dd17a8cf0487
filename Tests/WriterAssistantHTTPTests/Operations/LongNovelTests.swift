import Foundation
import MeasurementSupport
import Testing
import WriterAssistantAPI
@testable import WriterAssistantCore
import WriterAssistantLLM
import LlamaEngine
import WriterAssistantTestSupport

/// Novels four times longer than the default model's window, with facts planted early and plot
/// points that depend on them: the prompt a continuity critic reads holds the planted passage.
@Suite(.serialized) struct LongNovelTests {
    @Test func thePassageAPlotPointDependsOnReachesThePromptOfAContinuityCritic() async throws {
        let model = try await TestModel.shared()
        let corpus = LongNovelCorpus()
        var quoted = 0, newestOnly = 0
        for probe in corpus.probes {
            let request = RaterFeedbackRequest(
                raterPrompt: LongNovelCorpus.continuityRater, plotPoint: probe.plotPoint, structuredContext: corpus.novels[probe.novel].context)
            let story = StoryPrompt(request)
            let withPassages = try await PromptAssembler(answerReserve: 600).assemble(story, for: model)
            let chaptersOnly = try await PromptAssembler(answerReserve: 600, passageShare: 0).assemble(story, for: model)
            #expect(withPassages.prompt.tokenCount <= model.descriptor.contextLength - 600)
            #expect(withPassages.omittedSections.contains("chapter \(probe.chapter)"), "the novel does not fit")
            if withPassages.story.messages()[1].content.contains(probe.fact) { quoted += 1 }
            if chaptersOnly.story.messages()[1].content.contains(probe.fact) { newestOnly += 1 }
        }
        print("Planted passage in the prompt: \(quoted) of \(corpus.probes.count) with passages, \(newestOnly) with the newest chapters only")
        #expect(Double(quoted) >= 0.9 * Double(corpus.probes.count), "\(quoted) of \(corpus.probes.count)")
        #expect(newestOnly == 0)
    }

    /// The eval's plot points that do not name their fact measure what only a summary can bring:
    /// they share no word the passage search looks for with the planted paragraph but the people's
    /// names. Those that name it share one, which is how the search finds it.
    @Test func plotPointsThatDoNotNameTheirFactShareNoWordWithItButNames() {
        let corpus = LongNovelCorpus()
        #expect(corpus.unnamedProbes.count == corpus.probes.count)
        for probe in corpus.unnamedProbes + corpus.probes {
            let people = Set(corpus.novels[probe.novel].context.characters?.map { $0.name.lowercased() } ?? [])
            let common = Set(PassageSearch.terms(of: probe.fact)).intersection(PassageSearch.terms(of: probe.plotPoint))
                .subtracting(people)
            #expect(common.isEmpty != probe.namesTheFact, "\(probe.plotPoint): \(common)")
            #expect(probe.isTraced(in: probe.plotPoint) == probe.namesTheFact, "\(probe.plotPoint)")
            #expect(probe.isTraced(in: probe.fact.uppercased()))
            #expect(probe.isNamed(in: probe.fact) && !probe.isNamed(in: probe.plotPoint), "the keyword is the fact's alone")
        }
        // Plot points naming several facts at once, each planted in its own chapter of their novel.
        #expect(corpus.combinedProbes.count == 3 * corpus.novels.count)
        for combined in corpus.combinedProbes {
            #expect(combined.facts.count >= 2)
            #expect(combined.facts.allSatisfy { $0.novel == combined.novel })
            #expect(Set(combined.facts.map(\.chapter)).count == combined.facts.count)
        }
    }

    /// The budget split is measured twice: with each fact a short paragraph of its own, and set
    /// inside a paragraph as long as a novel's, where quoting it costs the whole paragraph.
    @Test func factsInsideParagraphsSitAmongEightSentencesAsLongAsANovelsParagraphs() async throws {
        let model = try await TestModel.shared()
        let own = LongNovelCorpus(planting: .ownParagraph)
        let inside = LongNovelCorpus(planting: .insideParagraph)
        var factParagraphTokens: [Int] = []
        for (ownProbe, insideProbe) in zip(own.probes, inside.probes) {
            let ownParagraphs = Self.paragraphs(of: own, probe: ownProbe)
            #expect(ownParagraphs.contains(ownProbe.fact), "a paragraph of its own")
            let holding = Self.paragraphs(of: inside, probe: insideProbe).filter { $0.contains(insideProbe.fact) }
            #expect(holding.count == 1)
            guard let paragraph = holding.first else { continue }
            #expect(paragraph != insideProbe.fact)
            #expect(paragraph.split(separator: ".").count >= 9, "eight sentences and the fact: \(paragraph)")
            factParagraphTokens.append(try await model.countTokens(paragraph))
        }
        let sorted = factParagraphTokens.sorted()
        let median = sorted[sorted.count / 2]
        print("Tokens of the paragraphs holding a fact: median \(median), \(sorted.first ?? 0)–\(sorted.last ?? 0)")
        #expect((100...200).contains(median), "\(median) tokens")
    }

    private static func paragraphs(of corpus: LongNovelCorpus, probe: LongNovelCorpus.Probe) -> [String] {
        let chapter = corpus.novels[probe.novel].context.previousChapters?.first { $0.number == probe.chapter }
        return (chapter?.content ?? "").components(separatedBy: "\n\n")
    }

    /// A word counts as keeping a fact when it is a trace or one with an ending, not any word that
    /// begins like one.
    @Test func aFactIsTracedByItsWordsAndTheirEndingsOnly() throws {
        let probe = try #require(LongNovelCorpus().probes.first { $0.traces.contains("weir") })
        #expect(probe.isTraced(in: "Ivo drowned."))
        #expect(probe.isTraced(in: "The weirs ran high."))
        #expect(!probe.isTraced(in: "A weird night, indeed."))
        #expect(!probe.isTraced(in: "Rain flooded the square."))
        #expect(probe.isNamed(in: "By the TANNERY, someone waited."))
        #expect(!probe.isNamed(in: "The tanneryman's son."))
    }

    /// What the evals count as a fact reaching a prompt, read from hand-made previews.
    @Test func aFactReachesThePromptQuotedOrKeptByItsChaptersSummary() throws {
        let corpus = LongNovelCorpus()
        let facts = Array(corpus.probes.filter { $0.novel == 0 }.prefix(2))
        try #require(facts.count == 2 && facts[0].chapter != facts[1].chapter)
        func preview(_ sections: [PromptPreview.Section]) -> PromptPreview {
            PromptPreview(promptTokens: 100, budget: 200, model: "test", sections: sections)
        }
        let quotedFirst = PromptPreview.Section(
            kind: .chapter, chapter: facts[0].chapter, treatment: .quoted, tokens: 30, text: "Before. \(facts[0].fact) After.")
        let keptSecond = PromptPreview.Section(
            kind: .chapter, chapter: facts[1].chapter, treatment: .summary, tokens: 20, text: "The \(facts[1].keyword) and the deed.")
        let summaryOfAnotherChapter = PromptPreview.Section(
            kind: .chapter, chapter: 20, treatment: .summary, tokens: 20, text: "The lantern and the deed.")
        let omittedFirst = PromptPreview.Section(kind: .chapter, chapter: facts[0].chapter, treatment: .omitted, tokens: 30, text: facts[0].fact)

        let both = FactReach(facts, in: preview([quotedFirst, keptSecond]))
        #expect(both.quoted == [true, false] && both.summarised == [false, true])
        #expect(both.reached && both.onlyThroughASummary)
        let quotedOnly = FactReach([facts[0]], in: preview([quotedFirst]))
        #expect(quotedOnly.quoted == [true] && quotedOnly.summarised == [false])
        #expect(quotedOnly.reached && !quotedOnly.onlyThroughASummary)
        #expect(!FactReach(facts, in: preview([quotedFirst, summaryOfAnotherChapter])).reached, "another chapter's summary")
        #expect(!FactReach([facts[0]], in: preview([omittedFirst])).reached, "a section left out is not read")
    }
}
