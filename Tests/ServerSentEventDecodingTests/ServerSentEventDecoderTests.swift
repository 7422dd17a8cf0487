import Testing
import ServerSentEventDecoding

@Suite struct ServerSentEventDecoderTests {
    typealias Event = ServerSentEventDecoder.Event

    static func decodeAll(_ text: String) -> [Event] {
        var decoder = ServerSentEventDecoder()
        return decoder.feed(Array(text.utf8))
    }

    @Test func readsDataLinesEndedByABlankLine() {
        #expect(Self.decodeAll("data: {\"a\":1}\n\ndata: two\n\n") == [Event(data: "{\"a\":1}"), Event(data: "two")])
    }

    @Test func joinsMultiLineDataAndReadsEventNamesAndIDs() {
        let events = Self.decodeAll("event: token\nid: 7\ndata: first\ndata:second\ndata\n\n")
        #expect(events == [Event(type: "token", data: "first\nsecond\n", id: "7")])
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func acceptsEveryLineEnding(_ end: String) {
        let text = "data: a\(end)\(end): comment\(end)data: b\(end)\(end)"
        #expect(Self.decodeAll(text) == [Event(data: "a"), Event(data: "b")])
    }

    @Test func ignoresCommentsUnknownFieldsAndEventsWithoutData() {
        #expect(Self.decodeAll(": keep-alive\n\nretry: 100\nfoo: bar\n\nevent: x\n\ndata: y\n\n") == [Event(data: "y")])
    }

    @Test func anEventWithoutItsBlankLineIsNotDispatched() {
        #expect(Self.decodeAll("data: incomplete\n").isEmpty)
    }

    @Test func skipsALeadingByteOrderMark() {
        #expect(Self.decodeAll("\u{FEFF}data: x\n\n") == [Event(data: "x")])
    }

    @Test func everySplitOfTheBytesGivesTheSameEvents() {
        let text = "data: {\"type\":\"status\",\"message\":\"Lecture de l’histoire… 🚪\"}\r\n\r\n: keep-alive\n\ndata: a\rdata: b\r\r"
        let bytes = Array(text.utf8)
        let expected = Self.decodeAll(text)
        #expect(expected.count == 2)
        for split in 0...bytes.count {
            var decoder = ServerSentEventDecoder()
            #expect(decoder.feed(bytes[..<split]) + decoder.feed(bytes[split...]) == expected, "split at \(split)")
        }
        var byteByByte = ServerSentEventDecoder()
        #expect(bytes.flatMap { byteByByte.feed([$0]) } == expected)
    }
}
