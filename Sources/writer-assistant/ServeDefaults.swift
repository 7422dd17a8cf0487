import Configuration
import Foundation
import LlamaEngine
import RemoteEngine
import Logging
import WriterAssistantCore
import WriterAssistantHTTP
import WriterAssistantLLM

/// Every serve setting's default, taken from the library type that owns it, so that the help
/// text, the settings and the libraries can never disagree.
enum ServeDefaults {
    static let server = ServerConfiguration()
    static let pipeline = OperationPipeline.Configuration()
    static let engine = LlamaEngine.Configuration(modelPath: "")
    static let logLevel = Logger.Level.info
    /// Mebibytes of stories spilled to disk per model (docs/engine.md, "The story cache", says
    /// how much a story takes).
    static let cacheSizeMiB = 512

    /// The user's cache directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches`
    /// on macOS).
    static var cacheDirectory: String {
        let base = FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask).first
            ?? FileManager.default.temporaryDirectory
        return base.appendingPathComponent("writer-assistant/stories", isDirectory: true).path
    }

    /// The library in the user's data directory (`$XDG_DATA_HOME` or `~/.local/share` on Linux,
    /// `~/Library/Application Support` on macOS).
    static var libraryPath: String {
        let environment = ProcessInfo.processInfo.environment
        #if os(Linux)
        let base = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share", isDirectory: true)
        #else
        let base = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask).first
            ?? FileManager.default.temporaryDirectory
        #endif
        return base.appendingPathComponent("writer-assistant/library.sqlite").path
    }

    /// Every declared default: the last provider of the hierarchy.
    static var provider: InMemoryProvider {
        InMemoryProvider(name: "defaults", settings: Dictionary(uniqueKeysWithValues: ServeKey.allCases.compactMap { key in
            key.setting.defaultValue.map { (key, $0) }
        }))
    }
}
