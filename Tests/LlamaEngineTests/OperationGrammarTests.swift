import Testing
import WriterAssistantAPI
import WriterAssistantCore
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import LlamaEngine

/// Every structured operation's grammar compiles in llama.cpp's own parser, at the default budgets
/// and at small ones.
@Suite struct OperationGrammarTests {
    @Test(arguments: [200, 600])
    func everyOperationsGrammarCompiles(maxTokens: Int) throws {
        let model = try #require(LlamaSamplerTests.model)
        let settings = OperationPipeline.Configuration(sampling: SamplingParameters(maxTokens: maxTokens))
        let operations: [any WritingOperation] = [
            OperationSamples.raterFeedback, OperationSamples.characterFeedback, OperationSamples.editorReview,
            OperationSamples.modifyChapter, OperationSamples.generateCharacterDetails,
            GenerateCharacterDetailsRequest(basicBio: "A smith.", existingCharacters: [
                StoryCharacter(name: "Zoë-Ann"), StoryCharacter(name: "A^b"), StoryCharacter(name: "Nul\u{0}l"),
                StoryCharacter(name: "Ĳsbrand 🐉 Øre"), StoryCharacter(name: "Zoë"), StoryCharacter(name: String(repeating: "x", count: 100_000)),
            ]),
            EditorReviewRequest(chapterToReview: "Ari said \"no\" twice.\nThe path\\road — long! Élan vital hummed: {x} [y] <z>.\tTabs\u{7F}too."),
        ]
        for operation in operations {
            let grammar = try #require(operation.answerPlan(settings).constraint?.grammar)
            #expect(throws: Never.self, "\(type(of: operation).operationName):\n\(grammar)") {
                _ = try LlamaSampler(model: model, parameters: SamplingParameters(temperature: 0, maxTokens: 0), grammar: grammar)
            }
        }
    }
}
