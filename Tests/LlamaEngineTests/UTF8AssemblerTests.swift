import Testing
@testable import LlamaEngine

@Suite struct UTF8AssemblerTests {
    @Test(arguments: ["plain ascii", "café au lait", "門が開く", "door 🚪 opens", "mixed é 🚪 門"])
    func anySplitOfTheBytesYieldsTheSameText(_ text: String) {
        let bytes = Array(text.utf8)
        for split in 0...bytes.count {
            var assembler = UTF8Assembler()
            let first = assembler.append(Array(bytes[..<split]))
            let second = assembler.append(Array(bytes[split...]))
            #expect(first + second + assembler.flush() == text)
            #expect(!first.contains("\u{FFFD}") && !second.contains("\u{FFFD}"))
        }
    }

    @Test func byteByByteNeverEmitsHalfACharacter() {
        var assembler = UTF8Assembler()
        var pieces: [String] = []
        for byte in "a🚪b".utf8 { pieces.append(assembler.append([byte])) }
        #expect(pieces == ["a", "", "", "", "🚪", "b"])
    }

    @Test func invalidLeftoversAreReplacedAtTheEnd() {
        var assembler = UTF8Assembler()
        #expect(assembler.append([0x61, 0xF0, 0x9F]) == "a")
        #expect(assembler.flush() == "\u{FFFD}")
    }
}
