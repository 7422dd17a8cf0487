import Foundation
import WriterAssistantAPI
import WriterAssistantCore

/// One input: any bytes as a request body. It must give a request, laid out as the pipeline lays
/// out its prompt, or a rejection with its reasons; never a crash.
func fuzzRequest(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let body = Data(bytes: bytes, count: count)
    do {
        let request = try RaterFeedbackRequest.decode(validating: body)
        precondition(!request.raterPrompt.allSatisfy(\.isWhitespace))
        _ = StoryPrompt(request).messages()
    } catch {
        precondition(!error.issues.isEmpty)
    }
    return 0
}
