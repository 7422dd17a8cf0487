/// Everything the writer knows about the story. Every part is optional.
public struct StructuredContext: Codable, Sendable, Equatable {
    public var systemPrompts: SystemPrompts?
    public var worldbuilding: Worldbuilding?
    public var storySummary: StorySummary?
    public var previousChapters: [Chapter]?
    public var characters: [StoryCharacter]?
    public var plotContext: PlotContext?

    public init(
        systemPrompts: SystemPrompts? = nil,
        worldbuilding: Worldbuilding? = nil,
        storySummary: StorySummary? = nil,
        previousChapters: [Chapter]? = nil,
        characters: [StoryCharacter]? = nil,
        plotContext: PlotContext? = nil
    ) {
        self.systemPrompts = systemPrompts
        self.worldbuilding = worldbuilding
        self.storySummary = storySummary
        self.previousChapters = previousChapters
        self.characters = characters
        self.plotContext = plotContext
    }

    /// Bounds that keep one request (or one save of a stored story) a bounded amount of work —
    /// decoding, trimming to the model's window, storing: far more than any novel has.
    public static let mostChapters = 1_000
    public static let mostCharacters = 500

    /// The chapters in story order, each with the number the prompt gives it: by number, a
    /// chapter without one where its place in the list puts it (the order is stable), then
    /// numbered by its place in that order when it has none of its own.
    public var numberedChapters: [(number: Int, chapter: Chapter)] {
        (previousChapters ?? []).enumerated()
            .sorted { ($0.element.number ?? $0.offset, $0.offset) < ($1.element.number ?? $1.offset, $1.offset) }
            .enumerated()
            .map { position, entry in (entry.element.number ?? position + 1, entry.element) }
    }

    /// The story as work on chapter `chapter` reads it: the chapters numbered below it (as the
    /// prompt numbers them, see `numberedChapters`), since the chapter's own text comes with the
    /// request and the model reads every chapter it is given as one that came before.
    public func chapters(before chapter: Int) -> StructuredContext {
        var context = self
        if previousChapters != nil {
            context.previousChapters = numberedChapters.filter { $0.number < chapter }.map(\.chapter)
        }
        return context
    }

    /// Its lists beyond their bounds, located under `location` as a 422 names them.
    public func boundIssues(at location: [LocationComponent]) -> [ValidationIssue] {
        [
            ValidationIssue.tooLong(previousChapters?.count ?? 0, at: location + ["previousChapters"], limit: Self.mostChapters),
            ValidationIssue.tooLong(characters?.count ?? 0, at: location + ["characters"], limit: Self.mostCharacters),
            ValidationIssue.tooLong(
                plotContext?.chapterPlan?.count ?? 0, at: location + ["plotContext", "chapterPlan"], limit: Self.mostChapters),
        ].compactMap { $0 }
    }
}

extension ValidationIssue {
    /// The issue of a list longer than `limit`, or nil when it is not.
    public static func tooLong(_ count: Int, at location: [LocationComponent], limit: Int) -> ValidationIssue? {
        count > limit ? ValidationIssue(loc: location, msg: "List should have at most \(limit) items", type: "too_long") : nil
    }

    /// The issue of a number outside `range`, or nil when it is inside or absent.
    public static func outside(_ range: ClosedRange<Int>, _ value: Int?, at location: [LocationComponent]) -> ValidationIssue? {
        guard let value, !range.contains(value) else { return nil }
        return ValidationIssue(loc: location, msg: "Input should be from \(range.lowerBound) to \(range.upperBound)", type: "value_error")
    }
}

public struct SystemPrompts: Codable, Sendable, Equatable {
    public var mainPrefix: String?
    public var mainSuffix: String?
    public var assistantPrompt: String?

    public init(mainPrefix: String? = nil, mainSuffix: String? = nil, assistantPrompt: String? = nil) {
        self.mainPrefix = mainPrefix
        self.mainSuffix = mainSuffix
        self.assistantPrompt = assistantPrompt
    }
}

public struct Worldbuilding: Codable, Sendable, Equatable {
    public var content: String?
    public var lastModified: String?
    public var wordCount: Int?

    public init(content: String? = nil, lastModified: String? = nil, wordCount: Int? = nil) {
        self.content = content
        self.lastModified = lastModified
        self.wordCount = wordCount
    }
}

public struct StorySummary: Codable, Sendable, Equatable {
    public var summary: String?
    public var lastModified: String?
    public var wordCount: Int?

    public init(summary: String? = nil, lastModified: String? = nil, wordCount: Int? = nil) {
        self.summary = summary
        self.lastModified = lastModified
        self.wordCount = wordCount
    }
}

public struct Chapter: Codable, Sendable, Equatable {
    public var number: Int?
    public var title: String?
    public var content: String

    public init(number: Int? = nil, title: String? = nil, content: String) {
        self.number = number
        self.title = title
        self.content = content
    }
}

public struct StoryCharacter: Codable, Sendable, Equatable {
    public var name: String
    public var basicBio: String?
    public var sex: String?
    public var gender: String?
    public var age: String?
    public var personality: String?
    public var motivations: String?
    public var fears: String?
    public var relationships: String?
    public var physicalAppearance: String?
    public var usualClothing: String?

    public init(
        name: String,
        basicBio: String? = nil,
        sex: String? = nil,
        gender: String? = nil,
        age: String? = nil,
        personality: String? = nil,
        motivations: String? = nil,
        fears: String? = nil,
        relationships: String? = nil,
        physicalAppearance: String? = nil,
        usualClothing: String? = nil
    ) {
        self.name = name
        self.basicBio = basicBio
        self.sex = sex
        self.gender = gender
        self.age = age
        self.personality = personality
        self.motivations = motivations
        self.fears = fears
        self.relationships = relationships
        self.physicalAppearance = physicalAppearance
        self.usualClothing = usualClothing
    }

    enum CodingKeys: String, CodingKey {
        case name, basicBio, sex, gender, age, personality, motivations, fears, relationships
        case physicalAppearance, usualClothing
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        basicBio = try container.decodeIfPresent(String.self, forKey: .basicBio)
        sex = try container.decodeIfPresent(String.self, forKey: .sex)
        gender = try container.decodeIfPresent(String.self, forKey: .gender)
        // Writers' tools send an age both as "34" and as 34; both mean the same.
        if let years = try? container.decodeIfPresent(Int.self, forKey: .age) {
            age = String(years)
        } else {
            age = try container.decodeIfPresent(String.self, forKey: .age)
        }
        personality = try container.decodeIfPresent(String.self, forKey: .personality)
        motivations = try container.decodeIfPresent(String.self, forKey: .motivations)
        fears = try container.decodeIfPresent(String.self, forKey: .fears)
        relationships = try container.decodeIfPresent(String.self, forKey: .relationships)
        physicalAppearance = try container.decodeIfPresent(String.self, forKey: .physicalAppearance)
        usualClothing = try container.decodeIfPresent(String.self, forKey: .usualClothing)
    }
}

public struct PlotContext: Codable, Sendable, Equatable {
    public var plotPoint: String?
    public var plotOutline: String?
    public var plotOutlineStatus: String?
    /// The chapters the writer planned from the outline (`generate-chapter-outlines`), as kept.
    public var chapterPlan: [ChapterOutline]?

    public init(plotPoint: String? = nil, plotOutline: String? = nil, plotOutlineStatus: String? = nil, chapterPlan: [ChapterOutline]? = nil) {
        self.plotPoint = plotPoint
        self.plotOutline = plotOutline
        self.plotOutlineStatus = plotOutlineStatus
        self.chapterPlan = chapterPlan
    }
}

extension StructuredContext {
    /// The story's character a request names, case and spacing aside.
    public func character(named name: String) -> StoryCharacter? {
        let wanted = Self.comparable(name)
        return characters?.first { Self.comparable($0.name) == wanted }
    }

    private static func comparable(_ name: String) -> String {
        name.split(whereSeparator: \.isWhitespace).joined(separator: " ").lowercased()
    }
}

extension ValidationIssue {
    /// The issue of a `characterName` the story does not have, naming those it has.
    static func unknownCharacter(in context: StructuredContext?) -> ValidationIssue {
        let known = (context?.characters ?? []).map(\.name)
        return ValidationIssue(
            loc: ["body", "characterName"],
            msg: known.isEmpty
                ? "structured_context.characters is empty: describe the character there first"
                : "Not one of structured_context.characters (" + known.joined(separator: ", ") + ")",
            type: "value_error")
    }
}
