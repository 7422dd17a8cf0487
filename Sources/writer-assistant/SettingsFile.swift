import ArgumentParser
import Configuration
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON file of serve settings, opened once, checked and read from the same descriptor, and
/// turned into a provider for swift-configuration. It is read here rather than by
/// swift-configuration's `FileProvider` because that reader takes `true` for 1, drops `null`, and
/// reads the file again after any check of it: here every value must be of its setting's declared
/// kind, and what was checked is what is used.
struct SettingsFile {
    /// The largest file read: settings take a few hundred bytes.
    static let largestSize = 1 << 20

    let provider: InMemoryProvider

    /// Reads `given` (a link is followed) or says what is wrong with it, naming it as given.
    init(_ given: String) throws {
        let flag = ServeKey.configFile.flag
        func refused(_ reason: String) -> ValidationError { ValidationError("\(flag): '\(given)' \(reason).") }
        guard let handle = FileHandle(forReadingAtPath: given) else { throw refused("cannot be read") }
        defer { try? handle.close() }
        var status = stat()
        guard fstat(handle.fileDescriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw refused("is not a file that can be read")
        }
        guard status.st_size <= Self.largestSize else { throw refused("is larger than \(Self.largestSize) bytes") }
        // Another user who could change the file would choose the server's settings.
        guard status.st_uid == geteuid() || status.st_uid == 0 else { throw refused("belongs to another user (\(status.st_uid))") }
        let mode = Int(status.st_mode) & 0o777
        guard mode & 0o022 == 0 else {
            throw refused("can be changed by other users (mode \(String(mode, radix: 8))); run chmod 644 on it")
        }
        let data = (try? handle.read(upToCount: Self.largestSize + 1)) ?? nil
        guard let data, data.count <= Self.largestSize,
              let document = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw refused("is not a JSON object")
        }
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, value) in try Self.leaves(document, under: "") {
            guard let key = ServeKey(rawValue: name), key != .configFile else {
                throw refused("names a setting that does not exist: \(name)")
            }
            guard values[key.absoluteKey] == nil else { throw refused("gives \(name) twice") }
            guard let content = value.content(as: key.setting.kind) else {
                throw ValidationError("\(key.flag) (\(name) in '\(given)') must be \(key.setting.kind.described).")
            }
            if key.isSecret, mode & 0o044 != 0 {
                throw refused("holds keys and can be read by other users (mode \(String(mode, radix: 8))); run chmod 600 on it")
            }
            values[key.absoluteKey] = ConfigValue(content, isSecret: key.isSecret)
        }
        provider = InMemoryProvider(name: "settings file", values: values)
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
