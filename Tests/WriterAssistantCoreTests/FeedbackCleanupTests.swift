import Testing
import WriterAssistantAPI
import WriterAssistantCore

@Suite struct FeedbackCleanupTests {
    let cleanup = FeedbackCleanup(promptTexts: [
        AnswerFormat.instructions(names: []), "You are a pacing editor. Judge the pace of the plot point.",
    ])

    @Test func aSuggestionThatSaysAgainWhatAnEarlierOneSaidIsLeftOut() {
        let feedback = RaterFeedback(opinion: "Good.", suggestions: [
            "Show Ari's fear before she opens the door.",
            "Show Ari's fear before she opens the basement door.",
            "Cut the second paragraph of the chapter.",
        ])
        #expect(cleanup.clean(feedback).suggestions == [
            "Show Ari's fear before she opens the door.", "Cut the second paragraph of the chapter.",
        ])
    }

    @Test func echoesOfTheInstructionsAndHeadingsAreLeftOut() {
        let feedback = RaterFeedback(opinion: "Good.", suggestions: [
            "A list of four or five different, concrete changes the writer could make.",
            "# Plot point to evaluate",
            "Judge the pace of the plot point.",
            "Let Corvin hear her on the stairs.",
        ])
        #expect(cleanup.clean(feedback).suggestions == ["Let Corvin hear her on the stairs."])
    }

    @Test func anAnswerMadeOnlyOfEchoesIsKeptAsItIs() {
        let feedback = RaterFeedback(opinion: "Good.", suggestions: ["Judge the pace of the plot point."])
        #expect(cleanup.clean(feedback) == feedback)
    }
}

@Suite struct StoryNamesTests {
    @Test func charactersComeFirstThenNamedPlacesWithoutArticlesOrSentenceStarts() {
        let context = StructuredContext(
            worldbuilding: Worldbuilding(content: "The Glass City floats above the Ashen Sea. Magic is rare. Only the Lanterners enter the Undervault."),
            storySummary: StorySummary(summary: "Ari suspects Corvin."),
            characters: [StoryCharacter(name: "Ari"), StoryCharacter(name: " Corvin ")])
        #expect(StoryNames.of(context) == ["Ari", "Corvin", "Glass City", "Ashen Sea", "Lanterners", "Undervault"])
    }

    @Test func theInstructionsAskForTheNames() {
        #expect(AnswerFormat.instructions(names: ["Ari", "Glass City"]).contains("(Ari, Glass City)"))
        #expect(!AnswerFormat.instructions(names: []).contains("by name"))
    }
}

@Suite struct StoryNamesCostTests {
    /// A hostile story of a million distinct names costs a glance, not a quadratic search.
    @Test func aHugeStoryIsOnlyGlancedAt() {
        let words = (0..<100_000).map { "Name\($0)" }.joined(separator: " x ")
        let characters = (0..<50_000).map { StoryCharacter(name: "Person\($0)") }
        let started = ContinuousClock.now
        let names = StoryNames.of(StructuredContext(worldbuilding: Worldbuilding(content: words), characters: characters))
        #expect(names.count == StoryNames.limit)
        #expect(ContinuousClock.now - started < .seconds(1))
    }
}
