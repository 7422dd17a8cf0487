import Foundation
import MeasurementSupport
import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM
import LlamaEngine
import WriterAssistantTestSupport

/// Novels four times longer than the default model's window, with facts planted early and plot
/// points that depend on them: the prompt a continuity critic reads holds the planted passage.
@Suite(.serialized) struct LongNovelTests {
    static let rater = "You check continuity: does the plot point agree with what the earlier chapters established?"

    @Test func thePassageAPlotPointDependsOnReachesThePromptOfAContinuityCritic() async throws {
        let model = try await TestModel.shared()
        let corpus = LongNovelCorpus()
        var quoted = 0, newestOnly = 0
        for probe in corpus.probes {
            let request = RaterFeedbackRequest(
                raterPrompt: Self.rater, plotPoint: probe.plotPoint, structuredContext: corpus.novels[probe.novel].context)
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
    /// they share no word with the planted paragraph but the people's names.
    @Test func plotPointsThatDoNotNameTheirFactShareNoWordWithItButNames() {
        let corpus = LongNovelCorpus()
        #expect(corpus.unnamedProbes.count == corpus.probes.count)
        for probe in corpus.unnamedProbes {
            let people = Set(corpus.novels[probe.novel].context.characters?.map { $0.name.lowercased() } ?? [])
            let common = Self.words(of: probe.fact).intersection(Self.words(of: probe.plotPoint))
                .subtracting(people).filter { $0.count > 3 }
            #expect(common.isEmpty, "\(probe.plotPoint): \(common)")
            #expect(!probe.namesTheFact)
            #expect(!probe.isTraced(in: probe.plotPoint))
            #expect(probe.isTraced(in: probe.fact.uppercased()))
        }
        #expect(corpus.probes.allSatisfy { $0.namesTheFact && $0.isTraced(in: $0.fact) })
        // Plot points naming several facts at once, each planted in its own chapter of their novel.
        #expect(corpus.combinedProbes.count == 3 * corpus.novels.count)
        for combined in corpus.combinedProbes {
            #expect(combined.facts.count >= 2)
            #expect(combined.facts.allSatisfy { $0.novel == combined.novel })
            #expect(Set(combined.facts.map(\.chapter)).count == combined.facts.count)
        }
    }

    private static func words(of text: String) -> Set<String> {
        Set(text.lowercased().split { !$0.isLetter }.map(String.init))
    }
}
