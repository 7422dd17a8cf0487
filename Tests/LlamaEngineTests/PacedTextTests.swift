import Testing
@testable import LlamaEngine

@Suite struct PacedTextTests {
    let start = ContinuousClock.now

    @Test func theFirstTextGoesOutAtOnceAndLaterTextWaitsForTheInterval() {
        var text = PacedText(interval: .milliseconds(50))
        #expect(text.append(Array("The".utf8), at: start) == "The")
        #expect(text.append(Array(" door".utf8), at: start + .milliseconds(20)) == nil)
        #expect(text.append(Array(" opens".utf8), at: start + .milliseconds(49)) == nil)
        #expect(text.append(Array(".".utf8), at: start + .milliseconds(50)) == " door opens.")
        #expect(text.append(Array(" It".utf8), at: start + .milliseconds(60)) == nil)
        #expect(text.flush() == " It")
        #expect(text.flush() == "")
    }

    @Test func deliveriesNeverSplitACharacter() {
        var text = PacedText(interval: .zero)
        let bytes = Array("門🚪".utf8)
        var delivered: [String] = []
        for (offset, byte) in bytes.enumerated() {
            if let piece = text.append([byte], at: start + .milliseconds(offset)) { delivered.append(piece) }
        }
        #expect(delivered == ["門", "🚪"])
    }

    @Test func incompleteBytesWaitUntilTheyCompleteOrTheAnswerEnds() {
        var text = PacedText(interval: .zero)
        #expect(text.append([0x61, 0xE9, 0x96], at: start) == "a")
        #expect(text.flush() == "\u{FFFD}")
    }
}
