package import WriterAssistantAPI
package import WriterAssistantLLM

/// What an operation asks of the model, laid after the story: its own material (a plot point, a
/// chapter to review, a rater's prompt), which is never left out, and its instructions, last.
package struct PromptTask: Sendable, Equatable {
    /// Headed sections, e.g. `# Plot point to evaluate\n…`.
    package var sections: [String]
    /// What to write and in what shape.
    package var instructions: String

    package init(sections: [String], instructions: String) {
        self.sections = sections
        self.instructions = instructions
    }

    /// What the passages of chapters left out are searched for: the sections without their
    /// headings, whose words ("plot", "point", "evaluate") are the prompt's, not the writer's.
    var query: String {
        sections.map { section in
            section.hasPrefix("#") ? String(section.drop { $0 != "\n" }.dropFirst()) : section
        }.joined(separator: "\n")
    }
}

/// The parts of a prompt, in the order they are laid out.
///
/// Everything about the story comes first and the operation's own part last, so that every request
/// on the same story (each rater of a panel, a chapter generated after them, an editor's review)
/// shares the longest possible token prefix. Within the story, what a writer changes least comes
/// first: the worldbuilding, the characters, then the chapters (to which a new one is appended),
/// and only after them the summary, the outline, the passages quoted for this request and the plot
/// point, which change with every session. Editing those, or adding a chapter, leaves the
/// chapters already read as a cached prefix instead of making the model read them again.
package struct StoryPrompt: Sendable, Equatable {
    package struct Section: Sendable, Equatable {
        /// How the section is named when it has to be left out.
        package var label: String
        package var text: String
        package var kind: PromptPreview.Kind
        /// The chapter's number, for a chapter and for passages of one.
        package var chapter: Int? = nil
        /// The chapter's place among the story's chapters, from 0, for a chapter and for passages
        /// of one: two chapters may carry one number.
        package var chapterPosition: Int? = nil

        /// The first line: `# Chapter 3: The Weir`.
        var heading: Substring { text.prefix { $0 != "\n" } }
        /// The text below the heading.
        var body: String { String(text.drop { $0 != "\n" }.dropFirst()) }
    }

    package var systemPreamble: String
    package var worldbuilding: Section?
    package var characters: Section?
    /// Summaries of chapters left out, one section per chapter, oldest first. They stand where
    /// those chapters stood, before the chapters read whole: what a writer changes least.
    package var chapterSummaries: [Section] = []
    /// Oldest first.
    package var chapters: [Section]
    /// Passages quoted from chapters left out, one section per chapter, oldest first. They are
    /// chosen for the request, so they change with every plot point and rater: they come last of
    /// the story, after the outline, where they cost the cached prefix nothing that changes less.
    package var passages: [Section] = []
    package var summary: Section?
    package var plotOutline: Section?
    package var task: PromptTask
    /// The task's instructions and the writer's own closing words (`mainSuffix`).
    package var closingInstructions: String

    /// The prompt of any operation: its story, then its own part.
    package init(_ request: some WritingOperation) {
        let context = request.structuredContext
        self.init(context: context, task: request.task(names: StoryNames.of(context)))
    }

    package init(context: StructuredContext?, task: PromptTask) {
        let prompts = context?.systemPrompts

        // One preamble for every operation: it opens the cached prefix they all share.
        systemPreamble = Self.paragraphs([
            prompts?.mainPrefix,
            prompts?.assistantPrompt,
            "You give fiction writers honest, specific feedback on their stories.",
        ])
        worldbuilding = context?.worldbuilding?.content.flatMap {
            Self.section("Worldbuilding", label: "worldbuilding", kind: .worldbuilding, body: $0)
        }
        summary = context?.storySummary?.summary.flatMap {
            Self.section("Story summary", label: "story summary", kind: .storySummary, body: $0)
        }
        characters = Self.section(
            "Characters", label: "characters", kind: .characters,
            body: (context?.characters ?? []).map(Self.describe).filter { !$0.isEmpty }.joined(separator: "\n\n"))
        chapters = (context?.numberedChapters ?? []).compactMap { number, chapter in
            let heading = ["Chapter \(number)", chapter.title?.trimmed].compactMap { $0?.nilIfEmpty }
                .joined(separator: ": ")
            var section = Self.section(heading, label: "chapter \(number)", kind: .chapter, body: chapter.content)
            section?.chapter = number
            return section
        }
        for position in chapters.indices { chapters[position].chapterPosition = position }
        let plot = context?.plotContext
        // The chapter plan the writer kept goes with the outline it was made from, so that a chapter
        // written later knows what its place in the plan is. The outline is never left out to fit
        // the window, so the plan it carries is bounded: its first chapters, their summaries cut.
        let plan = (plot?.chapterPlan ?? []).prefix(Self.plannedChaptersShown).map { chapter in
            let summary = chapter.summary.trimmed
            let shown = summary.count > 160 ? (ProseAnswer.sentences(of: summary, withinWords: 25) ?? String(summary.prefix(160)) + "…") : summary
            return "\(chapter.number). \(chapter.title.trimmed)" + (shown.nilIfEmpty.map { ": \($0)" } ?? "")
        }
        let outline = Self.paragraphs([plot?.plotOutline, plan.isEmpty ? nil : "Chapter plan:\n" + plan.joined(separator: "\n")])
        let status = plot?.plotOutlineStatus?.trimmed.nilIfEmpty.map { " (\($0))" } ?? ""
        plotOutline = Self.section("Plot outline\(status)", label: "plot outline", kind: .plotOutline, body: outline)
        self.task = task
        closingInstructions = Self.paragraphs([task.instructions, prompts?.mainSuffix])
    }

    package func messages() -> [ChatMessage] {
        [
            ChatMessage(role: .system, content: systemPreamble),
            ChatMessage(role: .user, content: storyParts.map(\.text).joined(separator: "\n\n")),
        ]
    }

    /// Every part of the prompt in the order the model reads it: the system preamble, then the
    /// user message's sections.
    package var parts: [Section] {
        [Section(label: "preamble", text: systemPreamble, kind: .preamble)] + storyParts
    }

    /// The user message's sections in their order: the story, the task, the closing instructions.
    private var storyParts: [Section] {
        var parts = lastingSections
        if let summary { parts.append(summary) }
        if let plotOutline { parts.append(plotOutline) }
        parts += passages
        parts += task.sections.map { Section(label: "request", text: $0, kind: .request) }
        parts.append(Section(label: "instructions", text: "# Your answer\n\(closingInstructions)", kind: .instructions))
        return parts
    }

    /// What identifies the story for routing among model servers: the preamble and the opening of
    /// the story as laid out, which every rater of it and every later session share (a chapter
    /// added or a summary edited leaves it as it was), and which changes only where the cached
    /// prefix would be lost anyway.
    package var affinity: String {
        // Only as much of the story as the key holds: a manuscript can run to megabytes.
        var opening = ""
        // Not the summaries: they come in as the model writes them, and the story stays the same.
        for section in [worldbuilding, characters].compactMap({ $0 }) + chapters {
            if !opening.isEmpty { opening += "\n\n" }
            opening += section.text.prefix(max(0, Self.affinityLength - opening.count))
            if opening.count >= Self.affinityLength { break }
        }
        return systemPreamble + "\n\n" + String(opening.prefix(Self.affinityLength))
    }

    /// The story sections a writer changes least, in their order: worldbuilding, characters, the
    /// summaries of chapters left out, the chapters.
    private var lastingSections: [Section] {
        [worldbuilding, characters].compactMap { $0 } + chapterSummaries + chapters
    }

    /// Enough of a story to tell it from another, little enough to hash per request.
    static let affinityLength = 2_000

    /// The sections that may be left out when the story does not fit, least important first:
    /// the oldest chapters, then the summary, the worldbuilding and the characters.
    var droppableSections: [Section] {
        chapters + [summary, worldbuilding, characters].compactMap { $0 }
    }

    /// Leaves out the first `count` of `droppableSections`, in one pass however many chapters go.
    mutating func dropLeastImportantSections(_ count: Int) {
        let chaptersDropped = min(count, chapters.count)
        chapters.removeFirst(chaptersDropped)
        var left = count - chaptersDropped
        for section in [\Self.summary, \.worldbuilding, \.characters] where left > 0 && self[keyPath: section] != nil {
            self[keyPath: section] = nil
            left -= 1
        }
    }

    /// A character's sheet as the prompt gives it; empty for a character with nothing in it.
    static func describe(_ character: StoryCharacter) -> String {
        let traits: [(String, String?)] = [
            ("Sex", character.sex), ("Gender", character.gender), ("Age", character.age),
            ("Personality", character.personality), ("Motivations", character.motivations),
            ("Fears", character.fears), ("Relationships", character.relationships),
            ("Appearance", character.physicalAppearance), ("Usual clothing", character.usualClothing),
        ]
        var lines: [String] = []
        if let bio = character.basicBio?.trimmed.nilIfEmpty { lines.append(bio) }
        for (name, value) in traits {
            if let value = value?.trimmed.nilIfEmpty { lines.append("- \(name): \(value)") }
        }
        // A stored story may hold a character the writer has only begun (a card added, nothing
        // typed yet): an empty one says nothing, and one without a name is still someone.
        let name = character.name.trimmed
        if name.isEmpty && lines.isEmpty { return "" }
        return (["## \(name.isEmpty ? "A character not yet named" : name)"] + lines).joined(separator: "\n")
    }

    /// `chapter`'s summary as the prompt gives it, in the chapter's place.
    static func summarising(_ chapter: Section, as summary: String) -> Section {
        var section = Section(
            label: "summary of \(chapter.label)", text: "\(chapter.heading) (summary)\n\(summary)", kind: .chapter,
            chapter: chapter.chapter)
        section.chapterPosition = chapter.chapterPosition
        return section
    }

    /// `# heading` and the body, or nil when the body is blank.
    /// The most chapters of a kept plan the prompt lists.
    static let plannedChaptersShown = 30

    static func section(_ heading: String, label: String, kind: PromptPreview.Kind, body: String) -> Section? {
        guard let body = body.trimmed.nilIfEmpty else { return nil }
        return Section(label: label, text: "# \(heading)\n\(body)", kind: kind)
    }

    static func paragraphs(_ parts: [String?]) -> String {
        parts.compactMap { $0?.trimmed.nilIfEmpty }.joined(separator: "\n\n")
    }
}

extension String {
    var trimmed: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }

    var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
