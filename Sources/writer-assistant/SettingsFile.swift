import ArgumentParser
import Configuration
import Foundation

/// A JSON file of serve settings, read once as a `TrustedFile` and turned into a provider for
/// swift-configuration. It is read here rather than by swift-configuration's `FileProvider`
/// because that reader takes `true` for 1, drops `null`, and reads the file again after any check
/// of it: here every value must be of its setting's declared kind, and what was checked is what
/// is used.
struct SettingsFile {
    let provider: InMemoryProvider

    /// Reads `given` (`TrustedFile`) or says what is wrong with it, naming it as given.
    init(_ given: String) throws {
        let flag = ServeKey.configFile.flag
        func refused(_ reason: String) -> ValidationError { ValidationError("\(flag): '\(given)' \(reason).") }
        let file: (data: Data, mode: Int)
        do { file = try TrustedFile.read(given, holdsSecrets: false) } catch { throw refused(error.reason) }
        // JSON's decoders keep one of two values of a name without a word: the other would go
        // unchecked.
        if let repeated = Self.firstRepeatedName(in: file.data) { throw refused("gives \(repeated) twice") }
        guard let document = try? JSONDecoder().decode([String: JSONValue].self, from: file.data) else {
            throw refused("is not a JSON object")
        }
        var values: [ServeKey: ConfigContent] = [:]
        // In order of name, so that of several mistakes the same one is reported every time.
        for (name, value) in try Self.leaves(document, under: "").sorted(by: { $0.0 < $1.0 }) {
            guard let key = ServeKey(rawValue: name), key != .configFile else {
                throw refused("names a setting that does not exist: \(name)")
            }
            guard values[key] == nil else { throw refused("gives \(name) twice") }
            guard let content = value.content(as: key.setting.kind) else {
                throw ValidationError("\(key.flag) (\(name) in '\(given)') must be \(key.setting.kind.described).")
            }
            if key.isSecret {
                do { try TrustedFile.refuseIfReadable(mode: file.mode) } catch { throw refused(error.reason) }
            }
            values[key] = content
        }
        provider = InMemoryProvider(name: "settings file", settings: values)
    }

    /// The first name given twice in one JSON object, unescaped, or nil. Only the names' strings
    /// are read here; whether the rest is JSON is the decoder's to say.
    static func firstRepeatedName(in data: Data) -> String? {
        /// The names an open object has given, and whether a name comes next; nil for an array.
        var open: [(names: Set<String>, nameNext: Bool)?] = []
        var index = data.startIndex
        while index < data.endIndex {
            switch data[index] {
            case UInt8(ascii: "{"):
                open.append(([], true))
            case UInt8(ascii: "["):
                open.append(nil)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = open.popLast()
            case UInt8(ascii: ","):
                // After a comma in an object comes a name; in an array, a value.
                if let last = open.indices.last, open[last] != nil { open[last]?.nameNext = true }
            case UInt8(ascii: "\""):
                var end = data.index(after: index)
                while end < data.endIndex, data[end] != UInt8(ascii: "\"") {
                    end = data.index(end, offsetBy: data[end] == UInt8(ascii: "\\") ? 2 : 1, limitedBy: data.endIndex) ?? data.endIndex
                }
                guard end < data.endIndex else { return nil }
                if let last = open.indices.last, let object = open[last], object.nameNext {
                    // Unescaped, so that "a" and "\u0061" are one name.
                    guard let name = try? JSONDecoder().decode(String.self, from: Data(data[index...end])) else { return nil }
                    guard !object.names.contains(name) else { return name }
                    open[last]?.names.insert(name)
                    open[last]?.nameNext = false
                }
                index = end
            default:
                break
            }
            index = data.index(after: index)
        }
        return nil
    }

    /// Every value with its dotted name: `{"context": {"size": 1}}` holds `context.size`.
    private static func leaves(_ object: [String: JSONValue], under prefix: String) throws -> [(String, JSONValue)] {
        try object.flatMap { name, value -> [(String, JSONValue)] in
            let dotted = prefix.isEmpty ? name : prefix + "." + name
            guard case .object(let inner) = value else { return [(dotted, value)] }
            guard !inner.isEmpty else { throw ValidationError("\(ServeKey.configFile.flag): \(dotted) is an empty object.") }
            return try leaves(inner, under: dotted)
        }
    }
}

/// A JSON value, decoded strictly: a boolean is never a number, nor a number a boolean.
private enum JSONValue: Decodable {
    case bool(Bool), int(Int), double(Double), string(String), array([JSONValue]), object([String: JSONValue]), null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let bool = try? container.decode(Bool.self) { self = .bool(bool) }
        else if let int = try? container.decode(Int.self) { self = .int(int) }
        else if let double = try? container.decode(Double.self) { self = .double(double) }
        else if let string = try? container.decode(String.self) { self = .string(string) }
        else if let array = try? container.decode([JSONValue].self) { self = .array(array) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// This value as a setting of `kind`, or nil when it is not one.
    func content(as kind: ServeSetting.Kind) -> ConfigContent? {
        switch (kind, self) {
        case (.flag, .bool(let bool)): .bool(bool)
        case (.int, .int(let int)): .int(int)
        case (.number, .int(let int)): .double(Double(int))
        case (.number, .double(let double)): .double(double)
        case (.text, .string(let string)): .string(string)
        case (.list, .string(let string)): .stringArray([string])
        case (.list, .array(let items)):
            items.isEmpty ? nil : items.reduce(into: [String]?.some([])) { strings, item in
                if case .string(let string) = item { strings?.append(string) } else { strings = nil }
            }.map { .stringArray($0) }
        default: nil
        }
    }
}
