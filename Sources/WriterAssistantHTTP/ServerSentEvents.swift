import Foundation
package import NIOCore

/// Server-Sent Events framing (the WHATWG `text/event-stream` format).
package enum ServerSentEvents {
    /// One event carrying `payload` as single-line JSON. Compact JSON never contains a raw line
    /// break, so one `data:` line always suffices.
    package static func event(_ payload: some Encodable) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString("data: ")
        buffer.writeBytes(try APIJSON.encoder.encode(payload))
        buffer.writeStaticString("\n\n")
        return buffer
    }

    /// A comment line: ignored by every client, but it keeps proxies from closing a quiet stream.
    package static func comment(_ text: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            buffer.writeString(": \(line)\n")
        }
        buffer.writeStaticString("\n")
        return buffer
    }

}
