/// The body of `POST /api/v1/generate-chapter-outlines`: a chapter plan from the story's plot
/// outline (`structured_context.plotContext.plotOutline`), its summary and its characters.
public struct GenerateChapterOutlinesRequest: OperationRequest {
    public typealias Result = GenerateChapterOutlinesResult
    public static let operationName = "generate-chapter-outlines"

    /// The chapters a request may ask for: as many as one answer can describe.
    public static let chapterCounts = 1...20

    /// How many chapters to plan; by default one for every two of the outline's plot points.
    public var chapterCount: Int?
    public var structuredContext: StructuredContext?

    public init(chapterCount: Int? = nil, structuredContext: StructuredContext? = nil) {
        self.chapterCount = chapterCount
        self.structuredContext = structuredContext
    }

    /// The outline's plot points, in order (`PlotOutline.points`); none for an outline longer than
    /// a plan is made from, which validation refuses.
    public var plotPoints: [String] {
        let outline = structuredContext?.plotContext?.plotOutline ?? ""
        return outline.utf8.count > PlotOutline.longestOutline ? [] : PlotOutline.points(of: outline)
    }

    /// The chapters the plan has: as asked, or one for every two plot points.
    public var chapters: Int {
        chapters(forPoints: plotPoints.count)
    }

    /// The chapters a plan of `points` plot points has: as asked, or one for every two.
    public func chapters(forPoints points: Int) -> Int {
        chapterCount ?? min(Self.chapterCounts.upperBound, max(1, (points + 1) / 2))
    }

    public mutating func validate() -> [ValidationIssue] {
        let outline: [LocationComponent] = ["body", "structured_context", "plotContext", "plotOutline"]
        let bytes = structuredContext?.plotContext?.plotOutline?.utf8.count ?? 0
        if bytes > PlotOutline.longestOutline {
            return [ValidationIssue(
                loc: outline, msg: "The plot outline is \(bytes) bytes; a plan is made from at most \(PlotOutline.longestOutline)",
                type: "too_long")]
        }
        // A plan already kept is not shown to the model planning anew, which would copy it.
        structuredContext?.plotContext?.chapterPlan = nil
        let points = plotPoints.count
        if points == 0 {
            return [ValidationIssue(loc: outline, msg: "The plot outline is empty: chapters are planned from it", type: "missing")]
        }
        if points > PlotOutline.mostPoints {
            return [ValidationIssue(
                loc: outline, msg: "The plot outline has \(points) plot points; a plan takes at most \(PlotOutline.mostPoints)",
                type: "too_long")]
        }
        // Every chapter covers at least one plot point, so there are no more chapters than points.
        let counts = Self.chapterCounts.lowerBound...min(Self.chapterCounts.upperBound, points)
        return [ValidationIssue.outside(counts, chapterCount, at: ["body", "chapterCount"])].compactMap { $0 }
    }

    enum CodingKeys: String, CodingKey {
        case chapterCount
        case structuredContext = "structured_context"
    }
}

public struct GenerateChapterOutlinesResult: OperationResult {
    /// The chapters in order; together they cover every plot point of the outline once, in order.
    public var outlines: [ChapterOutline]
    public var contextMetadata: ContextMetadata

    public init(outlines: [ChapterOutline], contextMetadata: ContextMetadata) {
        self.outlines = outlines
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case outlines
        case contextMetadata = "context_metadata"
    }
}

/// One chapter of a plan.
public struct ChapterOutline: Codable, Sendable, Equatable {
    public var number: Int
    public var title: String
    /// What happens in it, in a few sentences.
    public var summary: String
    /// The story's characters present in it.
    public var characters: [String]
    /// The outline's plot points it covers, as the outline words them.
    public var plotPoints: [String]

    public init(number: Int, title: String, summary: String, characters: [String], plotPoints: [String]) {
        self.number = number
        self.title = title
        self.summary = summary
        self.characters = characters
        self.plotPoints = plotPoints
    }

    enum CodingKeys: String, CodingKey {
        case number, title, summary, characters, plotPoints
    }

    /// A plan a writer keeps in their story may have been written by hand: only the number and
    /// the title are required there.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        number = try container.decode(Int.self, forKey: .number)
        title = try container.decode(String.self, forKey: .title)
        summary = try container.decodeIfPresent(String.self, forKey: .summary) ?? ""
        characters = try container.decodeIfPresent([String].self, forKey: .characters) ?? []
        plotPoints = try container.decodeIfPresent([String].self, forKey: .plotPoints) ?? []
    }
}

/// How a plot outline is read as plot points: a writer's list (`- …`, `* …`, `1. …`) is one point
/// per item, its headings left out; prose is one point per sentence; and an outline of a single
/// sentence that runs through its beats ("Hero finds door, explores, finds treasure.") is one point
/// per beat, between its commas and semicolons.
public enum PlotOutline {
    /// The most plot points a plan is made from.
    public static let mostPoints = 200
    /// The longest outline a plan is made from, in bytes: far more than 200 plot points need, and
    /// little enough that reading it is quick.
    public static let longestOutline = 100_000

    /// The points of `outline`: its list items, or its sentences. With `splittingBeats`, a lone
    /// sentence listing beats between commas gives each beat (an outline's "finds door, explores,
    /// finds treasure"); a request's "make her tall, dark and brave" stays one.
    public static func points(of outline: String, splittingBeats: Bool = true) -> [String] {
        let lines = outline.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace }.filter { !$0.isEmpty }
        guard lines.contains(where: { listItem($0) != nil }) else {
            let prose = lines.flatMap(sentences)
            if splittingBeats, prose.count == 1, let only = prose.first, only.count(where: { ",;".contains($0) }) >= 2 {
                return beats(only)
            }
            return prose
        }
        var points: [String] = []
        var continuing = false
        for line in lines {
            if let item = listItem(line) {
                points.append(item)
                continuing = true
            } else if isHeading(line) {
                continuing = false
            } else if continuing, let last = points.indices.last {
                // A list item wrapped onto the next line goes on.
                points[last] += " " + line
            } else {
                points.append(contentsOf: sentences(line))
            }
        }
        return points.filter { $0.contains { $0.isLetter || $0.isNumber } }
    }

    /// The item's text when `line` is a list item: "- x", "* x", "• x", "1. x", "1) x".
    private static func listItem(_ line: String) -> String? {
        if let first = line.first, "-*•–".contains(first), line.dropFirst().first == " " {
            return String(line.dropFirst(2)).trimmingWhitespace.nilIfBlank
        }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        let rest = line.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 3, let mark = rest.first, mark == "." || mark == ")", rest.dropFirst().first == " " else {
            return nil
        }
        return String(rest.dropFirst(2)).trimmingWhitespace.nilIfBlank
    }

    /// The beats of one sentence, between its commas and semicolons, without a leading "and".
    private static func beats(_ sentence: String) -> [String] {
        sentence.split(whereSeparator: { ",;".contains($0) }).map { beat in
            var beat = beat.trimmingWhitespace
            for lead in ["and then ", "and ", "then "] where beat.lowercased().hasPrefix(lead) {
                beat = String(beat.dropFirst(lead.count))
                break
            }
            return beat
        }.filter { $0.contains { $0.isLetter || $0.isNumber } }
    }

    /// A Markdown heading, or a short line ending in a colon ("Act one:").
    private static func isHeading(_ line: String) -> Bool {
        line.hasPrefix("#") || (line.hasSuffix(":") && line.count < 60)
    }

    /// Titles that end in a full stop without ending the sentence: "Mr. Hale".
    private static let abbreviations: Set<String> = ["mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "prof.", "mt."]

    /// The sentences of `text`: each ends at ".", "!" or "?" (with any closing quotes) before a space.
    /// One pass: the word being read is kept as it goes (only as long as an abbreviation can be).
    private static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        var word = ""
        var ended = false
        for character in text {
            if character.isWhitespace {
                word = ""
                if ended {
                    sentences.append(current)
                    current = ""
                    ended = false
                    continue
                }
            } else if word.count <= 5 {
                word.append(character)
            }
            current.append(character)
            if ".!?…".contains(character) {
                ended = !(character == "." && abbreviations.contains(word.lowercased()))
            } else if !"\"”’')".contains(character) {
                ended = false
            }
        }
        sentences.append(current)
        return sentences.map(\.trimmingWhitespace).filter { $0.contains { $0.isLetter || $0.isNumber } }
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }

    fileprivate var nilIfBlank: String? { contains { !$0.isWhitespace } ? String(self) : nil }
}
