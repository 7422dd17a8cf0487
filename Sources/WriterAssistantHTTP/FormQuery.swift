import HummingbirdCore

/// A request's query string read as browsers and HTML forms write it
/// (`application/x-www-form-urlencoded`): `+` is a space and `%2B` a plus, so `?q=red+door`
/// searches for two words. The router's own reading keeps `+` as it is.
struct FormQuery: Sendable {
    private let fields: [(name: String, value: String)]

    init(_ uri: URI) {
        self.init(uri.query ?? "")
    }

    init(_ query: String) {
        fields = query.split(separator: "&", omittingEmptySubsequences: true).map { field in
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decoded(parts[0]), parts.count > 1 ? Self.decoded(parts[1]) : "")
        }
    }

    /// The first value given for `name`, decoded.
    func get(_ name: String) -> String? {
        fields.first { $0.name == name }?.value
    }

    /// A yes/no parameter (`?tokens=true`, `?trash=1`, a checked box's `on`), read one way everywhere.
    func isSet(_ name: String) -> Bool {
        get(name).map { ["true", "1", "yes", "on"].contains($0.lowercased()) } ?? false
    }

    /// `text` with `+` as a space and each `%XX` as its byte; an escape that is not one is kept
    /// as written, and bytes that are not UTF-8 become U+FFFD, rather than refusing the request.
    static func decoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var rest = text.utf8[...]
        while let byte = rest.popFirst() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if rest.count >= 2, let high = hexValue(rest[rest.startIndex]), let low = hexValue(rest[rest.index(after: rest.startIndex)]) {
                    bytes.append(high << 4 | low)
                    rest = rest.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
