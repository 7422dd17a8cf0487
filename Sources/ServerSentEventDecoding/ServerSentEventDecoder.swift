/// Incremental Server-Sent Events parsing, as the WHATWG specification defines it: bytes may be
/// split anywhere, lines end in `\n`, `\r\n` or `\r`, `:` lines are comments, several `data:`
/// lines form one event joined by newlines, and a blank line dispatches the event.
public struct ServerSentEventDecoder: Sendable {
    public struct Event: Sendable, Equatable {
        /// The `event:` field, or "message" when absent.
        public var type: String
        public var data: String
        public var id: String?

        public init(type: String = "message", data: String, id: String? = nil) {
            self.type = type
            self.data = data
            self.id = id
        }
    }

    private var line: [UInt8] = []
    private var dataLines: [String] = []
    private var eventType = ""
    private var lastEventID: String?
    private var afterCarriageReturn = false
    private var onFirstLine = true

    public init() {}

    /// Consumes the next bytes of the stream and returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if afterCarriageReturn {
                afterCarriageReturn = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                afterCarriageReturn = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                line.append(byte)
            }
        }
        return events
    }

    private mutating func endLine() -> Event? {
        defer {
            line.removeAll(keepingCapacity: true)
            onFirstLine = false
        }
        // A byte-order mark may open the stream; it is not part of the first field name.
        if onFirstLine, line.starts(with: [0xEF, 0xBB, 0xBF]) { line.removeFirst(3) }
        guard !line.isEmpty else { return dispatch() }
        if line.first == UInt8(ascii: ":") { return nil }
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "data": dataLines.append(String(value))
        case "event": eventType = String(value)
        case "id" where !value.contains("\0"): lastEventID = String(value)
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> Event? {
        defer {
            dataLines.removeAll()
            eventType = ""
        }
        guard !dataLines.isEmpty else { return nil }
        return Event(
            type: eventType.isEmpty ? "message" : eventType, data: dataLines.joined(separator: "\n"), id: lastEventID)
    }
}
