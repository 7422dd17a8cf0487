import WriterAssistantAPI
public import WriterAssistantLLM

/// A prompt ready for the model, and what had to be left out to make it fit.
public struct AssembledPrompt: Sendable {
    public var prompt: PreparedPrompt
    /// Labels of the story sections left out, in the order they were dropped.
    public var omittedSections: [String]
    /// What the model was told about its answer, which the answer should not echo.
    public var instructions: String
    /// The story's identity for engines that route among servers (`GenerationRequest.affinity`).
    public var affinity: String
    /// The parts the prompt was made of, those left out removed.
    public var story: StoryPrompt
}

/// Turns a request into tokens that fit the model's window with room for the answer.
public struct PromptAssembler: Sendable {
    /// Tokens kept free for the answer.
    public var answerReserve: Int

    public init(answerReserve: Int) {
        self.answerReserve = answerReserve
    }

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
        var prompt = story
        var omitted: [String] = []
        var prepared = try await prepare(prompt, with: model)
        while prepared.largestTokenCount > budget {
            // Count sections least important first until what they take covers the excess, drop
            // them all at once and re-measure the whole prompt only then: a long manuscript is
            // neither re-tokenized per chapter nor shifted chapter by chapter.
            var excess = prepared.largestTokenCount - budget
            let candidates = prompt.droppableSections
            var dropping = 0
            repeat {
                guard dropping < candidates.count else {
                    throw FeedbackFailure(
                        .contextProcessingError,
                        "The plot point, plot outline and rater prompt alone need \(prepared.largestTokenCount) tokens, "
                            + "more than the \(max(budget, 0)) the model's context window leaves after "
                            + "reserving \(answerReserve) for the answer. Shorten them or use a larger --context-size.")
                }
                excess -= try await count(candidates[dropping].text, with: model)
                dropping += 1
            } while excess > 0
            omitted += candidates.prefix(dropping).map(\.label)
            prompt.dropLeastImportantSections(dropping)
            prepared = try await prepare(prompt, with: model)
        }
        return AssembledPrompt(
            prompt: prepared, omittedSections: omitted, instructions: prompt.closingInstructions, affinity: prompt.affinity,
            story: prompt)
    }

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
