import Foundation
import Testing
import WriterAssistantAPI
@testable import WriterAssistantCore
import WriterAssistantFuzzing
import WriterAssistantLLM
import WriterAssistantTestSupport

/// The fuzzers' corpus (`make fuzz`), and any input that ever crashed them, replayed on every
/// test run: each must still give a request or a rejection, and feedback or a failure.
@Suite struct FuzzCorpusTests {
    static let fuzzDirectory = PackagePaths.file("fuzz")

    static func inputs(_ harness: String) -> [URL] {
        let manager = FileManager.default
        let corpus = ["seeds", "corpus"].flatMap { folder in
            (try? manager.contentsOfDirectory(
                at: fuzzDirectory.appendingPathComponent("\(folder)/\(harness)"), includingPropertiesForKeys: nil)) ?? []
        }
        let crashers = ((try? manager.contentsOfDirectory(
            at: fuzzDirectory.appendingPathComponent("crashers"), includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.lastPathComponent.hasPrefix("\(harness)-") }
        return corpus + crashers
    }

    @Test func everyRequestInputIsARequestOrARejection() throws {
        let inputs = Self.inputs("request")
        #expect(inputs.count >= 5)
        var accepted = 0
        for input in inputs {
            let body = try Data(contentsOf: input)
            // The harness itself, whose preconditions stop the run on a broken promise.
            Self.harness(fuzzRequest, [UInt8](body))
            do {
                let request = try RaterFeedbackRequest.decode(validating: body)
                let blank = request.raterPrompt.allSatisfy(\.isWhitespace)
                #expect(!blank, "\(input.lastPathComponent)")
                #expect(!StoryPrompt(request).messages().isEmpty)
                accepted += 1
            } catch {
                #expect(!error.issues.isEmpty, "\(input.lastPathComponent)")
                let located = error.issues.allSatisfy { $0.loc.first == "body" }
                #expect(located)
            }
            for operation in WritingOperations.all {
                Self.exercise(operation, body, input: input.lastPathComponent)
            }
        }
        #expect(accepted >= 2)
    }

    /// Runs a fuzzing harness's input function on `bytes`, as libFuzzer does.
    static func harness(_ testOneInput: (UnsafePointer<UInt8>, Int) -> CInt, _ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            if let start = buffer.baseAddress { #expect(testOneInput(start, buffer.count) == 0) }
        }
    }

    /// The same bytes as another operation's body: a request with its prompt and grammar, or a
    /// located rejection.
    static func exercise<Operation: WritingOperation>(_: Operation.Type, _ body: Data, input: String) {
        do {
            let request = try Operation.decode(validating: body)
            #expect(!StoryPrompt(request).messages().isEmpty)
            #expect(request.answerPlan(OperationPipeline.Configuration()).sampling.maxTokens > 0)
        } catch {
            #expect(!error.issues.isEmpty && error.issues.allSatisfy { $0.loc.first == "body" }, "\(Operation.operationName) \(input)")
        }
    }

    @Test func everyAnswerInputIsFeedbackOrAFailure() throws {
        let inputs = Self.inputs("answer")
        #expect(inputs.count >= 4)
        for input in inputs {
            let bytes = [UInt8](try Data(contentsOf: input))
            // The harness follows the answer with the answer guide, piece by piece.
            Self.harness(fuzzAnswer, bytes)
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let reading = try FeedbackParser.read(text, stoppedAtLimit: bytes.count % 2 == 0)
                let feedback = FeedbackCleanup(promptTexts: ["Judge the pacing."]).clean(reading.feedback)
                // Nothing is invented: the letters of every suggestion kept are in the answer
                // (compared as letters and digits only, since JSON escapes change the rest).
                let answerLetters = String(text.unicodeScalars.filter(CharacterSet.alphanumerics.contains))
                for suggestion in feedback.suggestions {
                    #expect(!suggestion.isEmpty)
                    let letters = String(suggestion.unicodeScalars.filter(CharacterSet.alphanumerics.contains).prefix(12))
                    #expect(letters.isEmpty || answerLetters.contains(letters), "\(input.lastPathComponent): \(suggestion)")
                }
            } catch {
                #expect(!error.message.isEmpty)
            }
            // Read as any structured operation's answer: a result or a failure, whole or cut.
            for stopped in [false, true] {
                let answer = FinishedAnswer(
                    text: text, stoppedAtLimit: stopped, metadata: ContextMetadata(tokens: 1, processingTime: 0), instructions: "")
                _ = try? OperationSamples.characterFeedback.result(from: answer)
                _ = try? OperationSamples.editorReview.result(from: answer)
                _ = try? OperationSamples.modifyChapter.result(from: answer)
                _ = try? OperationSamples.generateCharacterDetails.result(from: answer)
                _ = try? OperationSamples.generateChapter.result(from: answer)
            }
        }
    }
}
