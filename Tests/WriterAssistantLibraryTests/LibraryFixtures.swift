import Foundation
import Logging
import SQLKit
import Testing
import WriterAssistantAPI
@testable import WriterAssistantLibrary

/// The databases the store's tests run on: SQLite always, PostgreSQL when the test setup started
/// one (`make test` does, and says so when it cannot).
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var available: [Backend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A server's maintenance database, on which each test creates a database of its own.
    static let postgresURL = ProcessInfo.processInfo.environment["WRITER_ASSISTANT_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }

    var testDescription: String { rawValue }
}

/// A SQLite library in a folder of its own, removed after `body`.
func withLibrary<T: Sendable>(_ body: @Sendable (StoryLibrary, String) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("library-\(UUID().uuidString)")
    let path = folder.appendingPathComponent("library.sqlite").path
    defer { try? FileManager.default.removeItem(at: folder) }
    let library = try await StoryLibrary.openSQLite(path: path, logger: quietLogger)
    do {
        let result = try await body(library, path)
        await library.close()
        return result
    } catch {
        await library.close()
        throw error
    }
}

/// A fresh library on `backend`, gone after `body`: a SQLite file, or a PostgreSQL database
/// created for the test and dropped after it.
func withLibrary<T: Sendable>(_ backend: Backend, _ body: @Sendable (StoryLibrary) async throws -> T) async throws -> T {
    switch backend {
    case .sqlite:
        return try await withLibrary { library, _ in try await body(library) }
    case .postgres:
        return try await withPostgresDatabase { url in
            let library = try await StoryLibrary.connect(.postgres(url: url), logger: quietLogger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await library.run() }
                defer { group.cancelAll() }
                try await library.prepare()
                return try await body(library)
            }
        }
    }
}

/// A PostgreSQL database of its own for `body`, by URL, dropped afterwards.
func withPostgresDatabase<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
    let admin = try #require(Backend.postgresURL)
    let name = "library_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    var components = try #require(URLComponents(string: admin))
    components.path = "/" + name
    let url = try #require(components.string)
    let server = try PostgresLibraryDatabase(url: admin, logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await server.run() }
        defer { group.cancelAll() }
        try await server.withConnection { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        do {
            let result = try await body(url)
            try await server.withConnection { db in try await db.raw("DROP DATABASE \(unsafeRaw: name) WITH (FORCE)").run() }
            return result
        } catch {
            try? await server.withConnection { db in try await db.raw("DROP DATABASE \(unsafeRaw: name) WITH (FORCE)").run() }
            throw error
        }
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "library-tests")
    logger.logLevel = .critical
    return logger
}()

/// A story of `chapters` chapters of about `wordsPerChapter` words each.
func novel(title: String = "The Salt Road", chapters: Int = 3, wordsPerChapter: Int = 60, seed: Int = 0) -> StoryDocument {
    let vocabulary = ["the", "river", "lantern", "Mara", "walked", "under", "salt", "bridge", "quiet", "storm", "letter", "brother",
                      "harbour", "night", "bell", "rope", "glass", "window", "market", "ferry"]
    let chapterList = (1...max(chapters, 1)).prefix(chapters).map { number in
        let words = (0..<wordsPerChapter).map { vocabulary[($0 * 7 + number * 3 + seed) % vocabulary.count] }
        let paragraphs = stride(from: 0, to: words.count, by: 40).map { words[$0..<min($0 + 40, words.count)].joined(separator: " ") + "." }
        return Chapter(number: number, title: "Chapter \(number)", content: paragraphs.joined(separator: "\n\n"))
    }
    return StoryDocument(
        title: title,
        structuredContext: StructuredContext(
            worldbuilding: Worldbuilding(content: "A harbour city where the tide brings letters."),
            storySummary: WriterAssistantAPI.StorySummary(summary: "Mara looks for her brother."),
            previousChapters: chapterList,
            characters: [StoryCharacter(name: "Mara Vell", basicBio: "A ferry pilot.", age: "34")],
            plotContext: PlotContext(plotOutline: "1. The letter. 2. The bridge.")),
        raters: [StoryRater(id: "r1", name: "Pacing editor", prompt: "Judge the pacing.", enabled: true)],
        plotPoint: "Mara finds the letter in the lantern.")
}
