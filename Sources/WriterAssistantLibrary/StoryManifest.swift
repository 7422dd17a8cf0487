import Crypto
import Foundation
package import WriterAssistantAPI

/// A version of a story as the library stores it: the document cut into pieces (each chapter, each
/// character, each section), every piece named by the hash of its content. A version keeps only
/// its manifest of hashes; a piece is stored once per story however many versions share it, so
/// history grows with what changed, not with the length of the novel.
package struct StoryManifest: Codable, Sendable, Equatable {
    package struct ChapterEntry: Codable, Sendable, Equatable {
        package var number: Int
        package var title: String?
        package var words: Int
        package var piece: String
    }

    package struct CharacterEntry: Codable, Sendable, Equatable {
        package var name: String
        package var piece: String
    }

    package var title: String
    package var plotPoint: String?
    package var raters: String?
    package var systemPrompts: String?
    package var worldbuilding: String?
    package var storySummary: String?
    package var plotContext: String?
    package var characters: [CharacterEntry]
    package var chapters: [ChapterEntry]

    package var wordCount: Int { chapters.reduce(0) { $0 + $1.words } }

    /// Every piece the manifest names.
    package var pieces: Set<String> {
        var all = Set([plotPoint, raters, systemPrompts, worldbuilding, storySummary, plotContext].compactMap { $0 })
        all.formUnion(characters.map(\.piece))
        all.formUnion(chapters.map(\.piece))
        return all
    }
}

/// A document cut into its manifest and the content of each piece.
package struct StoryPieces: Sendable {
    package var manifest: StoryManifest
    /// Content by hash.
    package var contents: [String: String]

    package init(_ document: StoryDocument) throws {
        var contents: [String: String] = [:]
        func piece(_ value: (some Encodable)?) throws -> String? {
            guard let value else { return nil }
            let text = String(decoding: try Self.encoder.encode(value), as: UTF8.self)
            let hash = Self.hash(text)
            contents[hash] = text
            return hash
        }
        let context = document.structuredContext
        // Chapters are numbered as the prompt numbers them: their own number, else their place.
        let chapters = try (context.previousChapters ?? []).enumerated().map { index, chapter in
            StoryManifest.ChapterEntry(
                number: chapter.number ?? index + 1, title: chapter.title, words: StoryDocument.words(in: chapter.content),
                piece: try piece(chapter) ?? "")
        }
        manifest = StoryManifest(
            title: document.title,
            plotPoint: try piece(document.plotPoint),
            raters: document.raters.isEmpty ? nil : try piece(document.raters),
            systemPrompts: try piece(context.systemPrompts),
            worldbuilding: try piece(context.worldbuilding),
            storySummary: try piece(context.storySummary),
            plotContext: try piece(context.plotContext),
            characters: try (context.characters ?? []).map { .init(name: $0.name, piece: try piece($0) ?? "") },
            chapters: chapters)
        self.contents = contents
    }

    /// The document a manifest stands for, from the content of its pieces.
    package static func document(_ manifest: StoryManifest, contents: [String: String]) throws -> StoryDocument {
        func value<T: Decodable>(_ hash: String?, as type: T.Type) throws -> T? {
            guard let hash else { return nil }
            guard let text = contents[hash] else { throw LibraryFailure.corrupt("a piece of the story is missing") }
            do {
                return try JSONDecoder().decode(T.self, from: Data(text.utf8))
            } catch {
                throw LibraryFailure.corrupt("a piece of the story cannot be read")
            }
        }
        let characters = try manifest.characters.compactMap { try value($0.piece, as: StoryCharacter.self) }
        let chapters = try manifest.chapters.compactMap { try value($0.piece, as: Chapter.self) }
        let context = StructuredContext(
            systemPrompts: try value(manifest.systemPrompts, as: SystemPrompts.self),
            worldbuilding: try value(manifest.worldbuilding, as: Worldbuilding.self),
            storySummary: try value(manifest.storySummary, as: WriterAssistantAPI.StorySummary.self),
            previousChapters: chapters.isEmpty ? nil : chapters,
            characters: characters.isEmpty ? nil : characters,
            plotContext: try value(manifest.plotContext, as: PlotContext.self))
        return StoryDocument(
            title: manifest.title, structuredContext: context, raters: try value(manifest.raters, as: [StoryRater].self) ?? [],
            plotPoint: try value(manifest.plotPoint, as: String.self))
    }

    /// Sorted keys, so that equal content always hashes the same.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func hash(_ text: String) -> String {
        ContentHash.hex(text)
    }
}

/// SHA-256 in lowercase hex: what names a piece of a story, and a writer known only by a key.
package enum ContentHash {
    package static func hex(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(text.utf8)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
