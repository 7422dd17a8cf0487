import WriterAssistantAPI
import WriterAssistantCore

/// One input: any bytes as a model's answer, delivered in pieces. The answer guide follows it, the
/// rater's parser reads it into feedback or a failure, and every other operation's reader into an
/// object or nothing; never a crash, never invented text.
public func fuzzAnswer(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: bytes, count: count))
    var guide = FeedbackAnswerGuide(suggestionRange: 3...6)
    for start in stride(from: 0, to: input.count, by: 7) {
        guide.observe(Array(input[start..<min(start + 7, input.count)]))
        _ = guide.requirement(tokensLeft: count % 200)
    }
    let text = String(decoding: input, as: UTF8.self)
    if let object = JSONAnswer(text) {
        precondition(text.utf8.contains(UInt8(ascii: "{")) && (object.cutInside == nil || object.cutOff))
    }
    if let reading = try? FeedbackParser.read(text, stoppedAtLimit: count % 2 == 0) {
        let feedback = FeedbackCleanup(promptTexts: ["Judge the pacing."]).clean(reading.feedback)
        precondition(feedback.suggestions.allSatisfy { !$0.isEmpty })
    }
    return 0
}
