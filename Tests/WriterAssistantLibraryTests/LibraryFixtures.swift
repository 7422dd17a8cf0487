import Foundation
import Logging
import WriterAssistantAPI
@testable import WriterAssistantLibrary

/// A library in a folder of its own, removed after `body`.
func withLibrary<T>(_ body: (StoryLibrary, String) async throws -> T) async throws -> T {
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
