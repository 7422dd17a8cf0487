import Foundation

/// The server's OpenAPI document, read as plain JSON, with just enough of JSON Schema 2020-12 to
/// check real responses against it: the keywords the document uses, each checked strictly.
struct OpenAPIDocument {
    let root: [String: Any]

    init(_ data: Data) throws {
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        self.root = root
    }

    /// The documented response of `method path` with `status`, its `$ref` resolved.
    func response(_ method: String, _ path: String, status: Int) -> [String: Any]? {
        let paths = root["paths"] as? [String: Any]
        let operation = (paths?[path] as? [String: Any])?[method.lowercased()] as? [String: Any]
        guard let response = (operation?["responses"] as? [String: Any])?["\(status)"] as? [String: Any] else { return nil }
        return resolve(response)
    }

    func schema(named name: String) -> [String: Any]? {
        ((root["components"] as? [String: Any])?["schemas"] as? [String: Any])?[name] as? [String: Any]
    }

    func resolve(_ object: [String: Any]) -> [String: Any] {
        guard let reference = object["$ref"] as? String, reference.hasPrefix("#/") else { return object }
        var node: Any = root
        for part in reference.dropFirst(2).split(separator: "/") {
            guard let next = (node as? [String: Any])?[String(part)] else { return ["x-unresolved": reference] }
            node = next
        }
        return resolve(node as? [String: Any] ?? ["x-unresolved": reference])
    }

    /// What is wrong with `value` against `schema`; empty when it conforms.
    func problems(_ value: Any, against schema: [String: Any], at path: String = "$") -> [String] {
        let schema = resolve(schema)
        // A reference to nothing would accept anything; it is a mistake of the document.
        if let reference = schema["x-unresolved"] { return ["\(path): \(reference) does not resolve"] }
        var problems: [String] = []
        if let type = schema["type"] {
            let allowed = (type as? [String]) ?? [(type as? String) ?? ""]
            if !allowed.contains(where: { Self.matches(value, type: $0) }) {
                return ["\(path): \(Self.describe(value)) is not \(allowed.joined(separator: " or "))"]
            }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
            problems.append("\(path): \(Self.describe(value)) is not one of \(options)")
        }
        if let constant = schema["const"], !Self.equal(constant, value) {
            problems.append("\(path): \(Self.describe(value)) is not \(constant)")
        }
        if let string = value as? String {
            if let minimum = schema["minLength"] as? Int, string.count < minimum { problems.append("\(path): shorter than \(minimum)") }
            if let pattern = schema["pattern"] as? String, string.range(of: pattern, options: .regularExpression) == nil {
                problems.append("\(path): does not match \(pattern)")
            }
        }
        if let number = Self.number(value) {
            if let minimum = Self.number(schema["minimum"] as Any), number < minimum { problems.append("\(path): below \(minimum)") }
            if let maximum = Self.number(schema["maximum"] as Any), number > maximum { problems.append("\(path): above \(maximum)") }
        }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for name in schema["required"] as? [String] ?? [] where object[name] == nil {
                problems.append("\(path): \(name) is required")
            }
            for (name, member) in object {
                if let property = properties[name] as? [String: Any] {
                    problems += self.problems(member, against: property, at: "\(path).\(name)")
                } else if schema["additionalProperties"] as? Bool == false {
                    problems.append("\(path): \(name) is not documented")
                } else if let additional = schema["additionalProperties"] as? [String: Any] {
                    problems += self.problems(member, against: additional, at: "\(path).\(name)")
                }
            }
        }
        if let array = value as? [Any] {
            if let minimum = schema["minItems"] as? Int, array.count < minimum { problems.append("\(path): fewer than \(minimum) items") }
            let prefix = schema["prefixItems"] as? [[String: Any]] ?? []
            for (index, item) in array.enumerated() {
                if index < prefix.count {
                    problems += self.problems(item, against: prefix[index], at: "\(path)[\(index)]")
                } else if let items = schema["items"] as? [String: Any] {
                    problems += self.problems(item, against: items, at: "\(path)[\(index)]")
                }
            }
        }
        for part in schema["allOf"] as? [[String: Any]] ?? [] {
            problems += self.problems(value, against: part, at: path)
        }
        if let options = schema["anyOf"] as? [[String: Any]], !options.contains(where: { self.problems(value, against: $0, at: path).isEmpty }) {
            problems.append("\(path): matches none of anyOf")
        }
        if let options = schema["oneOf"] as? [[String: Any]] {
            let matching = options.filter { self.problems(value, against: $0, at: path).isEmpty }.count
            if matching != 1 { problems.append("\(path): matches \(matching) of oneOf, not exactly one") }
        }
        return problems
    }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "string": value is String
        case "boolean": isBoolean(value)
        case "integer": !isBoolean(value) && (value as? NSNumber).map { $0.doubleValue.rounded() == $0.doubleValue } == true
        case "number": !isBoolean(value) && value is NSNumber
        case "null": value is NSNull
        default: false
        }
    }

    private static func isBoolean(_ value: Any) -> Bool {
        // JSONSerialization gives true and false as NSNumbers of their own class.
        guard let number = value as? NSNumber else { return false }
        return String(describing: type(of: number)).contains("Boolean")
    }

    private static func number(_ value: Any) -> Double? {
        isBoolean(value) ? nil : (value as? NSNumber)?.doubleValue
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        (a as? NSObject)?.isEqual(b) == true
    }

    private static func describe(_ value: Any) -> String {
        String(describing: value).prefix(80).description
    }
}
