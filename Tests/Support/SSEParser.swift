/// A Server-Sent Events parser written from the WHATWG specification, independent of the
/// server's encoder: it accepts any chunking of the byte stream, `\n`, `\r\n` and `\r` line ends,
/// comments and multi-line `data`.
public struct SSEParser {
    public struct Event: Equatable, Sendable {
        public var event: String
        public var data: String
    }

    private var buffer: [UInt8] = []
    private var data: [String] = []
    private var eventType = ""
    private var lastWasCR = false

    public init() {}

    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                lastWasCR = byte == UInt8(ascii: "\r")
                if let event = processLine(String(decoding: buffer, as: UTF8.self)) { events.append(event) }
                buffer.removeAll(keepingCapacity: true)
            } else {
                buffer.append(byte)
            }
        }
        return events
    }

    private mutating func processLine(_ line: String) -> Event? {
        if line.isEmpty {
            defer { data = []; eventType = "" }
            guard !data.isEmpty else { return nil }
            return Event(event: eventType.isEmpty ? "message" : eventType, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(line)
            value = ""
        }
        switch field {
        case "data": data.append(String(value))
        case "event": eventType = String(value)
        default: break
        }
        return nil
    }
}
