package import WriterAssistantAPI
import WriterAssistantLLM

/// A chapter plan from the story's plot outline: `ChapterPlan` gives each chapter its run of plot
/// points, and the model writes each chapter's title, summary and the characters present, one
/// key per chapter so that it always knows which chapter it is writing.
extension GenerateChapterOutlinesRequest: WritingOperation {
    package static let answerName = "chapter outlines"

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and its plot outline..."
        case .evaluating: "Reading the story..."
        case .generatingFeedback: "Writing the chapter outlines..."
        case .parsing: "Checking the chapter outlines..."
        case .complete: "Chapter outlines complete."
        }
    }

    /// One reading of the request: the outline's plot points, how they are shared out, and the
    /// characters a chapter may list. Each step (prompt, answer plan, result) reads it once.
    struct Reading {
        let points: [String]
        let runs: [Range<Int>]
        let names: [String]

        /// A chapter's plot points as its entry opens with them.
        func covered(_ run: Range<Int>) -> String {
            run.map { points[$0] }.joined(separator: " / ")
        }
    }

    var reading: Reading {
        let points = plotPoints
        return Reading(
            points: points, runs: ChapterPlan(points: points.count, chapters: chapters(forPoints: points.count)).runs,
            names: characterNames)
    }

    /// The story's characters a chapter may list, by the names it gives them: each once, the first
    /// 40 whose names a model can write back as they are (no control characters, at most 60
    /// characters), since every chapter's grammar offers them all.
    var characterNames: [String] {
        var names: [String] = []
        for character in structuredContext?.characters ?? [] where names.count < 40 {
            let name = character.name.trimmed
            let writable = !name.isEmpty && name.count <= 60 && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
            if writable && !names.contains(name) { names.append(name) }
        }
        return names
    }

    static func key(_ chapter: Int) -> String { "chapter \(chapter)" }

    /// Tokens each chapter's entry may take: as much as a few sentences want, less when many
    /// chapters share the answer's budget.
    static func tokensPerChapter(_ settings: OperationPipeline.Configuration, chapters: Int) -> Int {
        min(150, settings.chapterMaxTokens / max(chapters, 1))
    }

    static func shape(_ reading: Reading, tokensPerChapter: Int) -> JSONShape {
        // Keys, title and the characters list take about 35 tokens; the summary has the rest, at
        // about four characters a token.
        let summaryLength = min(360, max(40, (tokensPerChapter - 35) * 4))
        let names = reading.names
        return .object(reading.runs.enumerated().map { index, run in
            // Each entry opens with its own plot points, written for the model, so that its title
            // and summary are written right after what they are about.
            var fields: [(key: String, value: JSONShape)] = [
                ("covers", .choice([reading.covered(run)])),
                ("summary", .string(minimum: summaryLength / 3, maximum: summaryLength, words: 3)),
                // Named after what happens in it, so written after the summary.
                ("title", .string(minimum: 3, maximum: 60, words: 1)),
            ]
            if !names.isEmpty { fields.append(("characters", .list(.choice(names), count: 0...min(names.count, 6)))) }
            return (key(index + 1), .object(fields))
        })
    }

    package func task(names: [String]) -> PromptTask {
        // The plot points themselves are in the outline above and open each chapter's entry; here
        // only how they are shared out, so that the prompt holds each of them once.
        let reading = self.reading
        let runs = reading.runs
        let shares = runs.enumerated().map { index, run in
            "chapter \(index + 1): " + (run.count == 1 ? "plot point \(run.lowerBound + 1)" : "plot points \(run.lowerBound + 1)–\(run.upperBound)")
        }
        let characters = reading.names
        return PromptTask(
            sections: ["# Chapters to plan\nThe outline's \(reading.points.count) plot points in \(runs.count) chapters, in order: "
                + shares.joined(separator: "; ") + "."],
            instructions: "Plan the \(runs.count) chapters. Answer with a JSON object with a key for each chapter, "
                + "\"chapter 1\" to \"chapter \(runs.count)\", each an object with \"covers\" (its plot points), "
                + "\"summary\" (two or three sentences on what happens in that chapter, around its plot points), "
                + "\"title\" (a few words of its own)"
                + (characters.isEmpty ? "" : " and \"characters\" (those present, of " + characters.joined(separator: ", ") + ")")
                + ".")
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        let reading = self.reading
        let perChapter = Self.tokensPerChapter(settings, chapters: reading.runs.count)
        var sampling = settings.prose(wanting: perChapter * reading.runs.count + 20)
        // The plot points each entry opens with are written on top of what the model composes.
        let covers = reading.runs.reduce(0) { $0 + OperationPipeline.Configuration.estimatedTokens(reading.covered($1)) + 8 }
        sampling.maxTokens = max(sampling.maxTokens, 64) + covers
        return AnswerPlan(sampling: sampling, constraint: Self.shape(reading, tokensPerChapter: perChapter).constraint)
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> GenerateChapterOutlinesResult {
        let object = try JSONAnswer.reading(answer)
        let reading = self.reading
        let (points, names) = (reading.points, reading.names)
        var written = 0
        let outlines = reading.runs.enumerated().map { index, run in
            let entry = object.fields[Self.key(index + 1)] as? [String: Any] ?? [:]
            let text = { (key: String) in (entry[key] as? String)?.trimmed ?? "" }
            let summary = text("summary")
            if !summary.isEmpty { written += 1 }
            let chosen = Set((entry["characters"] as? [Any] ?? []).compactMap { $0 as? String })
            // The characters it names count as present even when the model left them off its list.
            let words = Self.words(of: summary)
            let present = names.filter { chosen.contains($0) || Self.mentions(summary, words: words, $0) }
            return ChapterOutline(
                number: index + 1, title: Self.title(text("title")) ?? "Chapter \(index + 1)", summary: summary,
                characters: present, plotPoints: run.map { points[$0] })
        }
        guard written > 0 else { throw JSONAnswer.unreadable(answer) }
        // A chapter the budget left unwritten keeps its plot points, so the plan still covers the
        // whole outline; the metadata says it was cut.
        return GenerateChapterOutlinesResult(
            outlines: outlines, contextMetadata: answer.metadata(truncated: object.cutOff || written < outlines.count))
    }

    /// A title without the "Chapter 2:" the default model puts before it, or nil when nothing else
    /// is left.
    static func title(_ written: String) -> String? {
        var title = Substring(written.trimmed)
        if title.lowercased().hasPrefix("chapter") {
            let rest = title.dropFirst("chapter".count).drop { $0 == " " }
            let number = rest.prefix { $0.isNumber }
            if !number.isEmpty {
                title = rest.dropFirst(number.count).drop { $0 == " " || ":.-–—".contains($0) }
            }
        }
        return String(title).trimmed.nilIfEmpty
    }

    /// The words of `text` as names are written: letters, digits, apostrophes and hyphens.
    static func words(of text: String) -> Set<String> {
        Set(text.split { !$0.isLetter && !$0.isNumber && $0 != "'" && $0 != "-" }.map(String.init))
    }

    /// Whether `text` (whose `words` they are) names the character: their whole name or its first
    /// word, as a word.
    static func mentions(_ text: String, words: Set<String>, _ name: String) -> Bool {
        let parts = name.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let first = parts.first else { return false }
        return words.contains(first) || text.contains(name)
    }
}
