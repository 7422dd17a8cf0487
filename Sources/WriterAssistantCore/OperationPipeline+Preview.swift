public import WriterAssistantAPI
import WriterAssistantLLM

extension OperationPipeline {
    /// The prompt `request` would give the model, part by part, the parts that do not fit marked
    /// as left out. Nothing is generated: it takes no generation slot, only the tokenizer.
    ///
    /// Fails as the operation itself would before it generates (the model not ready, a request
    /// that cannot fit), with the same codes.
    public func preview<Operation: WritingOperation>(_ request: Operation) async throws -> PromptPreview {
        do {
            let model = try host.readyModel()
            let assembler = PromptAssembler(answerReserve: request.answerPlan(configuration).sampling.maxTokens)
            let story = StoryPrompt(request)
            return try await withTimeout(configuration.generationTimeout, answerName: Operation.answerName) {
                let assembled = try await assembler.assemble(story, for: model)
                // Sections are named uniquely but for the request's own, which are never left out.
                let read = Set(assembled.story.parts.map(\.label))
                var sections: [PromptPreview.Section] = []
                for part in story.parts {
                    let isRead = read.contains(part.label)
                    sections.append(PromptPreview.Section(
                        kind: part.kind, chapter: part.chapter, treatment: isRead ? .whole : .omitted,
                        tokens: try await assembler.count(part.text, with: model), text: isRead ? part.text : nil))
                }
                return PromptPreview(
                    promptTokens: assembled.prompt.tokenCount, budget: assembler.budget(for: model), model: model.descriptor.name,
                    tokenCountsEstimated: model.descriptor.countsTokensExactly ? nil : true, sections: sections)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw clientFailure(for: error, answerName: Operation.answerName)
        }
    }

    /// How many tokens each text takes with the active model, as plain content.
    public func countTokens(_ request: TokenCountRequest) async throws -> TokenCountResult {
        do {
            let model = try host.readyModel()
            let counts = try await withTimeout(configuration.generationTimeout, answerName: "token counts") {
                var counts: [Int] = []
                counts.reserveCapacity(request.texts.count)
                for text in request.texts {
                    counts.append(try await PromptAssembler.counting { try await model.countTokens(text) })
                }
                return counts
            }
            return TokenCountResult(
                counts: counts, model: model.descriptor.name, tokenCountsEstimated: model.descriptor.countsTokensExactly ? nil : true)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw clientFailure(for: error, answerName: "token counts")
        }
    }
}
