package import WriterAssistantAPI
import WriterAssistantLLM

extension OperationPipeline {
    /// The prompt `request` would give the model, part by part, the parts that do not fit marked
    /// as left out. No answer is generated: it takes no generation slot, only turns of the
    /// tokenizer (and their places in its queue). Like the operation, it asks for the summaries
    /// of chapters left out that are not written yet, which the model writes in the background.
    ///
    /// Fails as the operation itself would before it generates (the model not ready, a request
    /// that cannot fit), with the same codes.
    package func preview<Operation: WritingOperation>(
        _ request: Operation, options: Options = Options()
    ) async throws -> PromptPreview {
        try await measuring("prompt preview") { model in
            let story = StoryPrompt(request)
            let (assembler, assembled) = try await assemblePrompt(
                story, answerReserve: request.answerPlan(configuration).sampling.maxTokens, with: model, options: options)
            let layout = Self.layout(of: story, as: assembled.story)
            let counts = try await PromptAssembler.counting { try await model.countTokens(layout.map(\.0.text)) }
            return PromptPreview(
                promptTokens: assembled.prompt.tokenCount, budget: assembler.budget(for: model), model: modelName(model),
                tokenCountsEstimated: Self.estimated(model),
                sections: zip(layout, counts).map { entry, tokens in
                    let (part, treatment) = entry
                    return PromptPreview.Section(
                        kind: part.kind, chapter: part.chapter, treatment: treatment, tokens: tokens,
                        text: treatment == .omitted ? nil : part.text)
                },
                summariesPending: assembled.pendingSummaries.nilIfEmpty, summariesFailed: assembled.failedSummaries.nilIfEmpty)
        }
    }

    /// The parts of `assembled` in the order the model reads them, each read whole or quoted, with
    /// the parts of `story` it left out where they would have been.
    static func layout(of story: StoryPrompt, as assembled: StoryPrompt) -> [(StoryPrompt.Section, PromptPreview.Treatment)] {
        // Chapters summarised or quoted appear where their summary or passages are read.
        let quoted = Set((assembled.passages + assembled.chapterSummaries).compactMap(\.chapterPosition))
        let original = story.parts
        var next = original.startIndex
        var layout: [(StoryPrompt.Section, PromptPreview.Treatment)] = []
        for part in assembled.parts {
            if assembled.passages.contains(part) {
                layout.append((part, .quoted))
                continue
            }
            if assembled.chapterSummaries.contains(part) {
                layout.append((part, .summary))
                continue
            }
            // Everything the story had before this part and the prompt lacks was left out.
            while next < original.endIndex, original[next] != part {
                if original[next].chapterPosition.map(quoted.contains) != true { layout.append((original[next], .omitted)) }
                next += 1
            }
            layout.append((part, .whole))
            if next < original.endIndex { next += 1 }
        }
        for part in original[next...] where part.chapterPosition.map(quoted.contains) != true {
            layout.append((part, .omitted))
        }
        return layout
    }

    /// How many tokens each text takes with the active model, as plain content.
    package func countTokens(_ request: TokenCountRequest) async throws -> TokenCountResult {
        try await measuring("token count") { model in
            let counts = try await PromptAssembler.counting { try await model.countTokens(request.texts) }
            return TokenCountResult(counts: counts, model: modelName(model), tokenCountsEstimated: Self.estimated(model))
        }
    }

    /// Measuring is quick next to generating: a request that takes longer than this is refused
    /// rather than left holding the tokenizer.
    static let measuringTimeout = Duration.seconds(60)

    /// `work` with the ready model, within the measuring time limit, its failures as a client is
    /// told them.
    private func measuring<T: Sendable>(
        _ name: String, _ work: @escaping @Sendable (any LanguageModel) async throws -> T
    ) async throws -> T {
        do {
            let model = try host.readyModel()
            let limit = min(Self.measuringTimeout, configuration.generationTimeout)
            return try await withDeadline(limit, else: OperationFailure.timedOut(after: limit, answerName: name)) {
                try await work(model)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw clientFailure(for: error, answerName: name)
        }
    }

    /// True where the model's counts are estimates, nil (left out) where they are exact.
    private static func estimated(_ model: any LanguageModel) -> Bool? {
        model.descriptor.countsTokensExactly ? nil : true
    }
}
