import NIOPosix
package import WriterAssistantAPI
package import WriterAssistantLLM

/// A prompt ready for the model, and what had to be left out to make it fit.
package struct AssembledPrompt: Sendable {
    package var prompt: PreparedPrompt
    /// Labels of the story sections left out, in the order they were dropped.
    package var omittedSections: [String]
    /// The parts the prompt was made of, those left out removed.
    package var story: StoryPrompt
    /// The passages quoted from chapters left out, best first.
    package var quotedPassages: [PassageSearch.Passage]
    /// Chapters left out, and not summarised, whose summary is being written, in story order.
    package var pendingSummaries: [Int] = []
    /// Chapters left out, and not summarised, whose summary failed (it is tried again later).
    package var failedSummaries: [Int] = []

    /// The chapters read as summaries, in story order; nil when none were.
    package var summarisedChapters: [Int]? {
        let numbers = story.chapterSummaries.compactMap(\.chapter)
        return numbers.isEmpty ? nil : numbers
    }

    /// What the model was told about its answer, which the answer should not echo.
    package var instructions: String { story.closingInstructions }
    /// The story's identity for engines that route among servers (`GenerationRequest.affinity`).
    package var affinity: String { story.affinity }

    /// The chapters quoted and their passages, in story order, for `context_metadata`; nil when
    /// none were.
    package var quotedChapters: [QuotedChapter]? {
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
/// A story that does not fit loses its oldest chapters first; shares of the budget then go to
/// their summaries and to passages quoted from them, chosen for the request, so what the writer
/// set up long ago still reaches the model.
package struct PromptAssembler: Sendable {
    /// Tokens kept free for the answer.
    package var answerReserve: Int
    /// The share of the prompt's budget given to passages of the chapters left out, when the story
    /// does not fit; 0 leaves them out.
    package var passageShare: Double

    /// The largest share of the prompt's budget given to summaries of the chapters left out; 0
    /// leaves them out.
    package var summaryShare: Double

    package init(
        answerReserve: Int, passageShare: Double = Self.defaultPassageShare, summaryShare: Double = Self.defaultSummaryShare
    ) {
        self.answerReserve = answerReserve
        self.passageShare = min(max(passageShare, 0), Self.largestPassageShare)
        self.summaryShare = min(max(summaryShare, 0), Self.largestSummaryShare)
    }

    package static let defaultPassageShare = 0.2
    /// Beyond half the budget, passages would crowd out the chapters read whole they complement.
    package static let largestPassageShare = 0.5
    package static let defaultSummaryShare = 0.25
    /// Beyond half the budget, summaries would crowd out the chapters read whole.
    package static let largestSummaryShare = 0.5
    /// Summaries and passages together leave at least a quarter to the chapters read whole.
    package static let largestSharesTogether = 0.75

    package func assemble(
        _ request: some WritingOperation, for model: any LanguageModel
    ) async throws -> AssembledPrompt {
        try await assemble(StoryPrompt(request), for: model)
    }

    /// Tokens the prompt may take with `model`: its context window less the answer's reserve.
    package func budget(for model: any LanguageModel) -> Int {
        model.descriptor.contextLength - answerReserve
    }

    /// `story` fitted to `model`'s budget. Where chapters must be left out, `summaries` gives
    /// those it has summaries of (and is asked for the rest, which later requests find).
    package func assemble(
        _ story: StoryPrompt, for model: any LanguageModel, summaries source: (any ChapterSummarySource)? = nil
    ) async throws -> AssembledPrompt {
        let budget = budget(for: model)
        let whole = try await prepare(story, with: model)
        guard whole.largestTokenCount > budget else { return assembled(story, whole, omitted: []) }

        // It does not fit: leave out what must go. Then, where summaries or passages of what goes
        // are at hand, leave out a little more to make room for them.
        let fitted = try await fitting(story, whole, within: budget, with: model)
        let mustGo = story.chapters.count - fitted.prompt.chapters.count
        let summaryRoom = source == nil ? 0 : Int(Double(budget) * summaryShare)
        let passageRoom = Int(Double(budget) * passageShare)
        // The most chapters that may go: those that must, and those giving their room to both.
        let widest = try await fittingChaptersOnly(fitted, within: budget - summaryRoom - passageRoom, with: model) ?? fitted
        let candidates = leftOut(of: story, by: widest.prompt)
        // Summaries are read oldest first, as many as their room holds: only those are asked for.
        let summarisable = min(candidates.count, summaryRoom / max(source?.expectedTokens ?? 1, 1))
        let statuses = try await source?.summaries(of: Array(candidates.prefix(summarisable))) ?? []
        var ready: [Int: StoryPrompt.Section] = [:]
        for (index, (chapter, status)) in zip(candidates, statuses).enumerated() {
            if case .ready(let summary) = status { ready[index] = StoryPrompt.summarising(chapter, as: summary) }
        }
        let summaryCounts = try await counts(of: statuses.indices.map { ready[$0]?.text ?? "" }, with: model)
        let ranked = passageRoom > Self.smallestUsefulRoom ? try await Self.rank(candidates, for: story.task.query) : []

        // Chapters are given up only when those that had to go anyway have their summaries, or
        // hold a passage that bears on the request: otherwise they would be lost for nothing.
        // Summaries are read once all of those that had to go have one: each summary added
        // changes the prompt from there on, so they come in at once rather than one by one.
        let due = statuses.prefix(mustGo).indices.filter { statuses[$0] != nil }
        let summariesHelp = !due.isEmpty && due.allSatisfy { ready[$0] != nil }
        let passagesHelp = ranked.contains { $0.source < mustGo }
        let summaryNeed = summariesHelp
            ? min(summaryRoom, due.reduce(0) { $0 + summaryCounts[$1] + Self.passageOverhead }) : 0
        let reserve = summaryNeed + (passagesHelp ? passageRoom : 0)
        let unchanged = assembled(fitted.prompt, fitted.prepared, omitted: fitted.omitted, summaries: statuses, of: candidates)
        guard reserve > Self.smallestUsefulRoom,
              let chosen = try await fittingChaptersOnly(fitted, within: budget - reserve, with: model)
        else { return unchanged }
        let dropped = story.chapters.count - chosen.prompt.chapters.count
        var prompt = chosen.prompt
        if summariesHelp {
            // The summaries of the chapters left out, oldest first, as many as their room holds.
            var used = 0
            for index in 0..<min(dropped, statuses.count) {
                guard let summary = ready[index] else { break }
                let tokens = summaryCounts[index] + Self.passageOverhead
                guard used + tokens <= summaryRoom else { break }
                prompt.chapterSummaries.append(summary)
                used += tokens
            }
        }
        var prepared = prompt.chapterSummaries.isEmpty ? chosen.prepared : try await prepare(prompt, with: model)
        while prepared.largestTokenCount > budget, !prompt.chapterSummaries.isEmpty {
            // The headings and joins took a little more than the summaries' own counts.
            prompt.chapterSummaries.removeLast()
            prepared = try await prepare(prompt, with: model)
        }
        let omitted = fitted.omitted + chosen.omitted
        var quoted = passagesHelp
            ? try await passages(
                ranked.lazy.filter { $0.source < dropped }.prefix(Self.mostPassagesConsidered),
                within: budget - prepared.largestTokenCount, with: model)
            : []
        while !quoted.isEmpty {
            var withPassages = prompt
            withPassages.passages = Self.sections(quoting: quoted, from: candidates)
            let measured = try await prepare(withPassages, with: model)
            if measured.largestTokenCount <= budget {
                return assembled(withPassages, measured, omitted: omitted, quoted: quoted, summaries: statuses, of: candidates)
            }
            quoted.removeLast()
        }
        // Neither summaries nor passages found room after all: nothing more is left out for them.
        guard !prompt.chapterSummaries.isEmpty else { return unchanged }
        return assembled(prompt, prepared, omitted: omitted, summaries: statuses, of: candidates)
    }

    /// The chapters of `story` that `prompt` no longer holds whole.
    private func leftOut(of story: StoryPrompt, by prompt: StoryPrompt) -> [StoryPrompt.Section] {
        story.chapters.dropLast(prompt.chapters.count).map { $0 }
    }

    /// The prompt, and what became of each chapter it leaves out: of `candidates` (the chapters
    /// summaries were asked for, with their `statuses`, oldest first), those the prompt leaves
    /// out and does not summarise are named pending or failed where their summary is.
    private func assembled(
        _ prompt: StoryPrompt, _ prepared: PreparedPrompt, omitted: [String], quoted: [PassageSearch.Passage] = [],
        summaries statuses: [ChapterSummaryStatus?] = [], of candidates: [StoryPrompt.Section] = []
    ) -> AssembledPrompt {
        var result = AssembledPrompt(prompt: prepared, omittedSections: omitted, story: prompt, quotedPassages: quoted)
        // The chapters left out are those before the first read whole.
        let firstWhole = prompt.chapters.first?.chapterPosition ?? .max
        for (index, (chapter, status)) in zip(candidates, statuses).enumerated() where index >= prompt.chapterSummaries.count {
            guard let number = chapter.chapter, let position = chapter.chapterPosition, position < firstWhole else { continue }
            switch status {
            case .pending: result.pendingSummaries.append(number)
            case .failed: result.failedSummaries.append(number)
            case .ready, .unavailable, nil: continue
            }
        }
        return result
    }

    /// `fitted` fitted further within `limit` by leaving out chapters only, or nil where the
    /// chapters cannot free that much; the model's own failures (busy, stopped) and cancellation
    /// pass through.
    private func fittingChaptersOnly(
        _ fitted: (prompt: StoryPrompt, prepared: PreparedPrompt, omitted: [String]), within limit: Int,
        with model: any LanguageModel
    ) async throws -> (prompt: StoryPrompt, prepared: PreparedPrompt, omitted: [String])? {
        guard limit < fitted.prepared.largestTokenCount else { return (fitted.prompt, fitted.prepared, []) }
        do {
            let further = try await fitting(fitted.prompt, fitted.prepared, within: limit, with: model)
            // Room is made from chapters only (the first to go), never from the lasting parts.
            return further.omitted.count <= fitted.prompt.chapters.count ? further : nil
        } catch let failure as OperationFailure where failure.code == .contextProcessingError {
            return nil
        }
    }

    /// The tokens of each text, nothing asked for the empty ones.
    private func counts(of texts: [String], with model: any LanguageModel) async throws -> [Int] {
        let wanted = texts.filter { !$0.isEmpty }
        guard !wanted.isEmpty else { return texts.map { _ in 0 } }
        var counted = try await Self.counting { try await model.countTokens(wanted) }.makeIterator()
        return texts.map { $0.isEmpty ? 0 : counted.next() ?? 0 }
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
                    throw OperationFailure(
                        .contextProcessingError,
                        "The system prompts, plot outline and request's own text need about \(limit + excess) tokens "
                            + "with every chapter, summary, worldbuilding and character sheet left out, more than the "
                            + "\(max(limit, 0)) the model's context window leaves after reserving \(answerReserve) for the "
                            + "answer. Shorten them or use a larger --context-size.")
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
            throw OperationFailure(
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
