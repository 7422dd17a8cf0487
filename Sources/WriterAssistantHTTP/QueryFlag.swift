/// A yes/no query parameter (`?tokens=true`, `?trash=1`), read one way everywhere.
enum QueryFlag {
    static func isSet(_ value: String?) -> Bool {
        value.map { ["true", "1", "yes"].contains($0.lowercased()) } ?? false
    }
}
