import Foundation
import WriterAssistantAPI
import WriterAssistantCore

/// One input: any bytes as a request body of every operation. It must give a request, laid out as
/// the pipeline lays out its prompt with its answer's grammar, or a rejection with its reasons;
/// never a crash.
public func fuzzRequest(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let body = Data(bytes: bytes, count: count)
    do {
        let request = try RaterFeedbackRequest.decode(validating: body)
        precondition(!request.raterPrompt.allSatisfy(\.isWhitespace))
        _ = StoryPrompt(request).messages()
    } catch {
        precondition(!error.issues.isEmpty)
    }
    // The same bytes as every other operation's body, its prompt and its answer's grammar.
    for operation in WritingOperations.all {
        exercise(operation, body)
    }
    return 0
}

private func exercise<Operation: WritingOperation>(_: Operation.Type, _ body: Data) {
    do {
        let request = try Operation.decode(validating: body)
        _ = StoryPrompt(request).messages()
        _ = request.answerPlan(OperationPipeline.Configuration())
    } catch {
        precondition(!error.issues.isEmpty)
    }
}
