import Foundation
import Testing
import WriterAssistantAPI
@testable import WriterAssistantLibrary

@Suite struct TextDiffTests {
    func check(_ old: String, _ new: String) -> [TextRun] {
        let runs = TextDiff.runs(from: old, to: new)
        #expect(runs.filter { $0.kind != .added }.map(\.text).joined() == old)
        #expect(runs.filter { $0.kind != .removed }.map(\.text).joined() == new)
        return runs
    }

    @Test func oneWordChanged() {
        let runs = check("The lantern was lit.\n\nMara waited.", "The candle was lit.\n\nMara waited.")
        #expect(runs == [TextRun(.same, "The "), TextRun(.removed, "lantern "), TextRun(.added, "candle "), TextRun(.same, "was lit.\n\nMara waited.")])
    }

    @Test func edgesAndEmptyTexts() {
        #expect(check("", "") == [])
        #expect(check("", "New text.") == [TextRun(.added, "New text.")])
        #expect(check("Old text.", "") == [TextRun(.removed, "Old text.")])
        _ = check("  leading space", "  leading space and more")
        _ = check("a b c d e", "e d c b a")
        _ = check("tabs\tand\r\nlines", "tabs and\nlines")
    }

    @Test func unrelatedLongTextsAreComparedInBoundedTime() {
        let old = (0..<60_000).map { "w\($0)" }.joined(separator: " ")
        let new = (0..<60_000).map { "v\($0)" }.joined(separator: " ")
        let started = ContinuousClock.now
        _ = check(old, new)
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

@Suite struct StoryChangesTests {
    @Test func aFirstVersionAddsEverything() throws {
        let manifest = try StoryPieces(novel()).manifest
        let changes = StoryChanges.between(nil, manifest)
        #expect(changes.contains(StoryChange(part: .chapter, change: .added, chapter: 1, name: "Chapter 1")))
        #expect(changes.contains(StoryChange(part: .character, change: .added, name: "Mara Vell")))
        #expect(changes.contains(StoryChange(part: .worldbuilding, change: .added)))
    }

    @Test func editsAreNamedByPart() throws {
        let old = novel()
        var new = old
        new.title = "Renamed"
        new.structuredContext.previousChapters?.removeLast()
        new.structuredContext.characters?.append(StoryCharacter(name: "Ivo"))
        new.structuredContext.worldbuilding = nil
        let changes = StoryChanges.between(try StoryPieces(old).manifest, try StoryPieces(new).manifest)
        #expect(changes == [
            StoryChange(part: .title, change: .changed, name: "Renamed"),
            StoryChange(part: .worldbuilding, change: .removed),
            StoryChange(part: .character, change: .added, name: "Ivo"),
            StoryChange(part: .chapter, change: .removed, chapter: 3, name: "Chapter 3"),
        ])
    }

    @Test func identicalDocumentsHaveIdenticalManifests() throws {
        #expect(try StoryPieces(novel()).manifest == StoryPieces(novel()).manifest)
        #expect(StoryChanges.between(try StoryPieces(novel()).manifest, try StoryPieces(novel()).manifest).isEmpty)
    }
}

@Suite struct SearchQueryTests {
    @Test func anyInputIsAValidQuery() {
        #expect(SearchQuery("drowned weir").fts5 == "\"drowned\" \"weir\"*")
        #expect(SearchQuery("\"x\" OR NEAR(y*) -z").terms == ["x", "or", "near", "y", "z"])
        #expect(SearchQuery("  ;; ").isEmpty)
        #expect(SearchQuery("Ärger naïve").terms == ["ärger", "naïve"])
        #expect(SearchQuery(String(repeating: "word ", count: 100)).terms.count == 16)
    }

    @Test func marksBecomeFragments() {
        let marked = "the \u{E000}river\u{E001} ran \u{E000}cold\u{E001}"
        let fragments = SnippetMarks.fragments(marked)
        #expect(fragments.map(\.text) == ["the ", "river", " ran ", "cold"])
        #expect(fragments.map(\.match) == [false, true, false, true])
    }
}

@Suite struct ManuscriptExportTests {
    @Test func chaptersInOrderThenTheBible() {
        var document = novel(chapters: 2)
        document.structuredContext.previousChapters?.reverse()
        let markdown = ManuscriptExport.markdown(document)
        #expect(markdown.hasPrefix("# The Salt Road\n\n## Chapter 1: Chapter 1\n\n"))
        let first = try? #require(markdown.range(of: "## Chapter 1"))
        let second = try? #require(markdown.range(of: "## Chapter 2"))
        if let first, let second { #expect(first.lowerBound < second.lowerBound) }
        #expect(markdown.contains("### Mara Vell\n- **Bio:** A ferry pilot."))
    }
}
