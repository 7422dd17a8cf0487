import NIOPosix
public import WriterAssistantAPI
public import WriterAssistantLLM

/// A prompt ready for the model, and what had to be left out to make it fit.
public struct AssembledPrompt: Sendable {
    public var prompt: PreparedPrompt
    /// Labels of the story sections left out, in the order they were dropped.
    public var omittedSections: [String]
    /// The parts the prompt was made of, those left out removed.
    public var story: StoryPrompt
    /// The passages quoted from chapters left out, best first.
    public var quotedPassages: [PassageSearch.Passage]

    /// What the model was told about its answer, which the answer should not echo.
    public var instructions: String { story.closingInstructions }
    /// The story's identity for engines that route among servers (`GenerationRequest.affinity`).
    public var affinity: String { story.affinity }

    /// The chapters quoted and their passages, in story order, for `context_metadata`; nil when
    /// none were.
    public var quotedChapters: [QuotedChapter]? {
        guard !quotedPassages.isEmpty else { return nil }
        return PassageSearch.Passage.byChapter(quotedPassages).compactMap { _, passages in
            guard let chapter = passages.first?.chapter else { return nil }
            // The pieces of a long paragraph share its number: each is named once.
            var paragraphs: [Int] = []
            for passage in passages where paragraphs.last != passage.paragraph { paragraphs.append(passage.paragraph) }
            return QuotedChapter(chapter: chapter, paragraphs: paragraphs)
        }
    }
}

/// Turns a request into tokens that fit the model's window with room for the answer.
///
/// A story that does not fit loses its oldest chapters first; a share of the budget then goes to
/// passages quoted from them, chosen for the request, so what the writer set up long ago still
/// reaches the model.
public struct PromptAssembler: Sendable {
    /// Tokens kept free for the answer.
    public var answerReserve: Int
    /// The share of the prompt's budget given to passages of the chapters left out, when the story
    /// does not fit; 0 leaves them out.
    public var passageShare: Double

    public init(answerReserve: Int, passageShare: Double = Self.defaultPassageShare) {
        self.answerReserve = answerReserve
        self.passageShare = min(max(passageShare, 0), Self.largestPassageShare)
    }

    public static let defaultPassageShare = 0.2
    /// Beyond half the budget, passages would crowd out the chapters read whole they complement.
    public static let largestPassageShare = 0.5

    public func assemble(
        _ request: some WritingOperation, for model: any LanguageModel
    ) async throws -> AssembledPrompt {
        try await assemble(StoryPrompt(request), for: model)
    }

    /// Tokens the prompt may take with `model`: its context window less the answer's reserve.
    public func budget(for model: any LanguageModel) -> Int {
        model.descriptor.contextLength - answerReserve
    }

    public func assemble(_ story: StoryPrompt, for model: any LanguageModel) async throws -> AssembledPrompt {
        let budget = budget(for: model)
        let whole = try await prepare(story, with: model)
        guard whole.largestTokenCount > budget else { return assembled(story, whole, omitted: []) }

        // It does not fit: leave out what must go. When passages of what goes bear on the
        // request, leave out a little more to make room for them, and quote the best.
        let fitted = try await fitting(story, whole, within: budget, with: model)
        let room = Int(Double(budget) * passageShare)
        guard room > Self.smallestUsefulRoom,
              let roomy = try await fittingIfItCan(fitted.prompt, fitted.prepared, within: budget - room, with: model),
              // Passages take the room of chapters only (the first to go), never of the lasting parts.
              roomy.omitted.count <= fitted.prompt.chapters.count
        else {
            return assembled(fitted.prompt, fitted.prepared, omitted: fitted.omitted)
        }
        let quotable = leftOut(of: story, by: roomy.prompt)
        let ranked = try await Self.rank(quotable, for: story.task.query)
        // Chapters are given up for passages only when those that had to go anyway hold one that
        // bears on the request: otherwise they would be lost for nothing.
        let mustGo = story.chapters.count - fitted.prompt.chapters.count
        guard ranked.contains(where: { $0.source < mustGo }) else {
            return assembled(fitted.prompt, fitted.prepared, omitted: fitted.omitted)
        }
        var prompt = roomy.prompt
        var quoted = try await passages(
            ranked.prefix(Self.mostPassagesConsidered), within: budget - roomy.prepared.largestTokenCount, with: model)
        while !quoted.isEmpty {
            prompt.passages = Self.sections(quoting: quoted, from: quotable)
            let prepared = try await prepare(prompt, with: model)
            if prepared.largestTokenCount <= budget {
                return assembled(prompt, prepared, omitted: fitted.omitted + roomy.omitted, quoted: quoted)
            }
            // The headings and joins took a little more than the passages' own counts.
            quoted.removeLast()
        }
        return assembled(fitted.prompt, fitted.prepared, omitted: fitted.omitted)
    }

    /// The chapters of `story` that `prompt` no longer holds whole.
    private func leftOut(of story: StoryPrompt, by prompt: StoryPrompt) -> [StoryPrompt.Section] {
        story.chapters.dropLast(prompt.chapters.count).map { $0 }
    }

    private func assembled(
        _ prompt: StoryPrompt, _ prepared: PreparedPrompt, omitted: [String], quoted: [PassageSearch.Passage] = []
    ) -> AssembledPrompt {
        AssembledPrompt(prompt: prepared, omittedSections: omitted, story: prompt, quotedPassages: quoted)
    }

    /// `fitting`, or nil where even the sections that must stay take more than `limit`; the
    /// model's own failures (busy, stopped) and cancellation pass through.
    private func fittingIfItCan(
        _ story: StoryPrompt, _ whole: PreparedPrompt, within limit: Int, with model: any LanguageModel
    ) async throws -> (prompt: StoryPrompt, prepared: PreparedPrompt, omitted: [String])? {
        do {
            return try await fitting(story, whole, within: limit, with: model)
        } catch let failure as FeedbackFailure where failure.code == .contextProcessingError {
            return nil
        }
    }

    /// `story` with its least important sections left out until it takes at most `limit` tokens.
    private func fitting(
        _ story: StoryPrompt, _ whole: PreparedPrompt, within limit: Int, with model: any LanguageModel
    ) async throws -> (prompt: StoryPrompt, prepared: PreparedPrompt, omitted: [String]) {
        var prompt = story
        var omitted: [String] = []
        var prepared = whole
        while prepared.largestTokenCount > limit {
            // Count sections least important first until what they take covers the excess, drop
            // them all at once and re-measure the whole prompt only then: a long manuscript is
            // neither re-tokenized per chapter nor shifted chapter by chapter.
            var excess = prepared.largestTokenCount - limit
            let candidates = prompt.droppableSections
            var dropping = 0
            repeat {
                guard dropping < candidates.count else {
                    throw FeedbackFailure(
                        .contextProcessingError,
                        "The plot point, plot outline and rater prompt alone need \(prepared.largestTokenCount) tokens, "
                            + "more than the \(max(limit, 0)) the model's context window leaves after "
                            + "reserving \(answerReserve) for the answer. Shorten them or use a larger --context-size.")
                }
                excess -= try await count(candidates[dropping].text, with: model)
                dropping += 1
            } while excess > 0
            omitted += candidates.prefix(dropping).map(\.label)
            prompt.dropLeastImportantSections(dropping)
            prepared = try await prepare(prompt, with: model)
        }
        return (prompt, prepared, omitted)
    }

    /// The first of `ranked` that fit in `room` tokens with their share of headings and
    /// separators, in their order.
    private func passages(
        _ ranked: some Collection<PassageSearch.Passage>, within room: Int, with model: any LanguageModel
    ) async throws -> [PassageSearch.Passage] {
        guard room > Self.smallestUsefulRoom, !ranked.isEmpty else { return [] }
        let counts = try await Self.counting { try await model.countTokens(ranked.map(\.text)) }
        var chosen: [PassageSearch.Passage] = []
        var used = 0
        for (passage, count) in zip(ranked, counts) where room - used > Self.smallestUsefulRoom {
            let tokens = count + Self.passageOverhead
            if used + tokens <= room {
                chosen.append(passage)
                used += tokens
            }
        }
        return chosen
    }

    /// The passages of `chapters` that share a word with `query`, best first. Indexing a
    /// manuscript is CPU work, so it runs off the cooperative pool.
    private static func rank(_ chapters: [StoryPrompt.Section], for query: String) async throws -> [PassageSearch.Passage] {
        let bodies = chapters.map { chapter in (number: chapter.chapter ?? 0, text: chapter.body) }
        guard !bodies.isEmpty else { return [] }
        return try await NIOThreadPool.singleton.runIfActive {
            PassageSearch(chapters: bodies).ranked(for: query)
        }
    }

    /// Each chapter's chosen passages as one section, in story order; `chapters` are those the
    /// passages were searched in, in the same order.
    static func sections(quoting passages: [PassageSearch.Passage], from chapters: [StoryPrompt.Section]) -> [StoryPrompt.Section] {
        PassageSearch.Passage.byChapter(passages).compactMap { source, quoted in
            guard chapters.indices.contains(source) else { return nil }
            let chapter = chapters[source]
            var body = ""
            for (index, passage) in quoted.enumerated() {
                // An ellipsis marks what lies between passages that are not neighbours.
                if index > 0 { body += passage.order == quoted[index - 1].order + 1 ? "\n\n" : "\n\n[…]\n\n" }
                body += passage.text
            }
            var section = StoryPrompt.Section(
                label: "passages from \(chapter.label)", text: "\(chapter.heading) (passages)\n\(body)", kind: .chapter,
                chapter: chapter.chapter)
            section.chapterPosition = chapter.chapterPosition
            return section
        }
    }

    /// Room too small for a passage worth quoting.
    static let smallestUsefulRoom = 24
    /// Tokens a passage takes beyond its text: its share of a heading and the separators.
    static let passageOverhead = 6
    /// The best passages counted for the room; the rest would not fit anyway.
    static let mostPassagesConsidered = 200

    private func prepare(_ prompt: StoryPrompt, with model: any LanguageModel) async throws -> PreparedPrompt {
        try await Self.counting { try await model.prepare(prompt.messages()) }
    }

    func count(_ text: String, with model: any LanguageModel) async throws -> Int {
        try await Self.counting { try await model.countTokens(text) }
    }

    /// Measures text with the model. Cancellation and the model's own state (full, stopped) pass
    /// through as they are, for the pipeline to answer as such; a failure to read the text is
    /// the story's.
    static func counting<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as CancellationError {
            throw error
        } catch let error as LanguageModelError where !error.isAboutTheText {
            throw error
        } catch {
            throw FeedbackFailure(
                .contextProcessingError, "The story context could not be prepared for the model: \(error)")
        }
    }
}

extension LanguageModelError {
    /// The text could not be tokenized or templated, as opposed to the model being unable to
    /// take work.
    var isAboutTheText: Bool {
        switch self {
        case .tokenizationFailed, .chatTemplateFailed, .contextOverflow: true
        default: false
        }
    }
}
