public import Foundation

/// Where the package's own files are, for tests that run its executables or read its examples,
/// models and fixtures.
public enum PackagePaths {
    /// The package's root, found from this file's place in it (Tests/Support).
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file of the package, by its path from the root.
    public static func file(_ path: String) -> URL {
        root.appendingPathComponent(path)
    }

    /// A file of `examples/`.
    public static func example(_ name: String) -> URL {
        file("examples/\(name)")
    }
}
