/// What a writer keeps of one story: its bible in the operations' `structured_context` shape, its
/// panel of raters and the plot point being worked on. The body of `POST /api/v1/stories` and of
/// `PUT /api/v1/stories/{id}`; only the title is required.
public struct StoryDocument: Codable, Sendable, Equatable {
    public var title: String
    public var structuredContext: StructuredContext
    public var raters: [StoryRater]
    public var plotPoint: String?

    public init(title: String, structuredContext: StructuredContext = .init(), raters: [StoryRater] = [], plotPoint: String? = nil) {
        self.title = title
        self.structuredContext = structuredContext
        self.raters = raters
        self.plotPoint = plotPoint
    }

    enum CodingKeys: String, CodingKey {
        case title, raters, plotPoint
        case structuredContext = "structured_context"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decode(String.self, forKey: .title)
        structuredContext = try container.decodeIfPresent(StructuredContext.self, forKey: .structuredContext) ?? .init()
        raters = try container.decodeIfPresent([StoryRater].self, forKey: .raters) ?? []
        plotPoint = try container.decodeIfPresent(String.self, forKey: .plotPoint)
    }

    /// Words of the manuscript: every chapter's text.
    public var wordCount: Int {
        (structuredContext.previousChapters ?? []).reduce(0) { $0 + Self.words(in: $1.content) }
    }

    /// Runs of non-space: what a word processor counts. By Unicode scalar rather than by
    /// Character, whose grapheme breaking made counting a novel the slowest part of saving it.
    /// Counting stops at `limit`, for callers that only ask whether a text has that many.
    public static func words(in text: String, upTo limit: Int = .max) -> Int {
        var count = 0
        var inWord = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.isASCII ? scalar == " " || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
            if isSpace {
                inWord = false
            } else if !inWord {
                inWord = true
                count += 1
                if count >= limit { break }
            }
        }
        return count
    }

    /// What is wrong with a story a writer sends, located as a 422 names it.
    public func validate() -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if title.allSatisfy(\.isWhitespace) {
            issues.append(ValidationIssue(loc: ["body", "title"], msg: "String should have at least 1 character", type: "string_too_short"))
        } else if title.count > Self.longestTitle {
            issues.append(ValidationIssue(
                loc: ["body", "title"], msg: "String should have at most \(Self.longestTitle) characters", type: "string_too_long"))
        }
        issues += structuredContext.boundIssues(at: ["body", "structured_context"])
        if let issue = ValidationIssue.tooLong(raters.count, at: ["body", "raters"], limit: Self.mostRaters) { issues.append(issue) }
        return issues
    }

    public static let longestTitle = 300
    /// Bounds that keep one save a bounded amount of work: far more than any novel has.
    public static let mostChapters = StructuredContext.mostChapters
    public static let mostCharacters = StructuredContext.mostCharacters
    public static let mostRaters = 100
}

/// One critic of a story's panel: a name and the persona given to the model.
public struct StoryRater: Codable, Sendable, Equatable {
    /// The client's own id for the rater, kept as given.
    public var id: String?
    public var name: String
    public var prompt: String
    public var enabled: Bool?

    public init(id: String? = nil, name: String, prompt: String, enabled: Bool? = nil) {
        self.id = id
        self.name = name
        self.prompt = prompt
        self.enabled = enabled
    }
}
