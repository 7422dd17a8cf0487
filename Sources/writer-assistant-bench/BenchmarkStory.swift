import WriterAssistantAPI

/// A story bible of a chosen length, unique per `seed` so that no run profits from another's cache.
enum BenchmarkStory {
    private static let sentences = [
        "The lighthouse keeper counted the ships that passed in the night and wrote their names in a leather book.",
        "Fog rolled in from the northern sea, thick enough to swallow the beam before it reached the rocks.",
        "Mara had never trusted the harbour master, whose smile arrived a moment before his eyes agreed with it.",
        "Below the village the old smugglers' tunnels still breathed salt air into the cellars of every house.",
        "Her brother sent letters that were always one week late and always ended in the middle of a sentence.",
        "On the third evening the bell of the drowned chapel rang, though the chapel had sunk a hundred years ago.",
        "She learned the tide tables by heart, because the sea kept time better than any clock in the village.",
        "The council met in the net loft and argued about the light, the toll and the stranger at the inn.",
    ]

    static func context(seed: Int, chapters: Int, sentencesPerChapter: Int) -> StructuredContext {
        var cursor = seed
        func paragraph(_ count: Int) -> String {
            (0..<count).map { _ in
                cursor = (cursor &* 1_103_515_245 &+ 12_345) & 0x7fff_ffff
                return sentences[cursor % sentences.count]
            }.joined(separator: " ")
        }
        return StructuredContext(
            systemPrompts: SystemPrompts(mainPrefix: "Story \(seed): a novelist revising a coastal mystery."),
            worldbuilding: Worldbuilding(content: paragraph(6)),
            storySummary: StorySummary(summary: paragraph(4)),
            previousChapters: (1...chapters).map { Chapter(number: $0, title: "Chapter \($0)", content: paragraph(sentencesPerChapter)) },
            characters: [
                StoryCharacter(name: "Mara", basicBio: "The lighthouse keeper's daughter.", personality: "Watchful, dry humour"),
                StoryCharacter(name: "Ivo", basicBio: "The harbour master.", motivations: "Keep the toll money flowing"),
            ],
            plotContext: PlotContext(plotOutline: "Mara finds the smugglers' ledger and must decide whom to trust.", plotOutlineStatus: "draft"))
    }

    /// The story with one more chapter of `sentences` sentences, as a writer adds one.
    static func appendingChapter(to context: StructuredContext, seed: Int, sentences: Int) -> StructuredContext {
        var context = context
        let number = (context.previousChapters?.count ?? 0) + 1
        let extra = Self.context(seed: seed, chapters: 1, sentencesPerChapter: sentences).previousChapters?.first?.content ?? ""
        context.previousChapters = (context.previousChapters ?? []) + [Chapter(number: number, title: "Chapter \(number)", content: extra)]
        return context
    }

    static let raters = [
        ("Pacing", "You are an editor focused on pacing. Judge whether the plot point moves the story at the right speed."),
        ("Character", "You are a character coach. Judge whether the plot point follows from who the characters are."),
        ("Genre", "You are a devoted mystery reader. Judge whether the plot point keeps the mystery fair and tense."),
        ("Dialogue", "You are a dialogue specialist. Judge what the characters should say in this scene."),
    ]

    static func request(rater: Int, context: StructuredContext) -> RaterFeedbackRequest {
        RaterFeedbackRequest(
            raterPrompt: raters[rater].1, plotPoint: "Mara finds the smugglers' ledger hidden behind the lamp room wall.",
            raterName: raters[rater].0, structuredContext: context)
    }
}
