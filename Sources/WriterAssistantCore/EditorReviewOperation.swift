package import WriterAssistantAPI
import WriterAssistantLLM

/// An editor's review of a chapter: problems worth fixing, each quoting its passage, most
/// important first.
extension EditorReviewRequest: WritingOperation {
    package static let answerName = "review"
    /// Each issue opens by quoting a passage of the chapter word for word, so that it always
    /// points at text the chapter has (a small model otherwise quotes words it made up).
    var shape: JSONShape {
        let passages = Self.passages(of: chapterToReview)
        let issue: JSONShape = passages.isEmpty
            ? .string(minimum: 15, maximum: 300, words: 3) : .quoting(passages: passages, minimum: 10, maximum: 250)
        return .object([
            ("suggestions", .list(.object([
                ("issue", issue),
                ("suggestion", .string(minimum: 15, maximum: 300, words: 3)),
                ("priority", .choice(EditorSuggestion.Priority.allCases.map(\.rawValue))),
            ]), count: 2...5))
        ])
    }

    /// The passages an issue may quote: sentences of the chapter, spread evenly over it when it has
    /// more than a grammar holds comfortably, the first words of long ones. Sentences are found on
    /// the bytes, so even a hostile multi-megabyte chapter costs one quick pass.
    package static func passages(of chapter: String) -> [String] {
        let bytes = Array(chapter.utf8)
        var sentences: [Range<Int>] = []
        var start = 0
        for (offset, byte) in bytes.enumerated() where byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!")
            || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "\n")
        {
            let end = byte == UInt8(ascii: "\n") ? offset : offset + 1
            if end > start { sentences.append(start..<end) }
            start = offset + 1
        }
        if start < bytes.count { sentences.append(start..<bytes.count) }
        let step = max(1, sentences.count / maximumPassages + (sentences.count % maximumPassages == 0 ? 0 : 1))
        var passages: [String] = []
        for index in stride(from: 0, to: sentences.count, by: step) {
            let range = sentences[index]
            // A run without a sentence end is read only as far as a passage can go.
            var text = String(decoding: bytes[range.lowerBound..<min(range.upperBound, range.lowerBound + 4 * longestPassage)], as: UTF8.self)
            // Cut inside a character: what decodes as a replacement is not the chapter's text.
            while text.last == "\u{FFFD}" { text.removeLast() }
            let words = text.split(whereSeparator: \.isWhitespace)
            guard words.count >= 3 else { continue }
            var passage = words.prefix(passageWords).joined(separator: " ")
            if passage.count > longestPassage { passage = String(passage.prefix(longestPassage)) }
            if !passages.contains(passage) { passages.append(passage) }
        }
        return passages
    }

    /// Longer quotes stop here: enough to find the passage, short enough to leave room for the issue.
    static let passageWords = 12
    static let longestPassage = 160
    static let maximumPassages = 150

    package static func message(for phase: FeedbackPhase) -> String {
        switch phase {
        case .contextProcessing: "Processing the story and the chapter..."
        case .evaluating: "Reading the chapter against the story..."
        case .generatingFeedback: "Writing the editor's suggestions..."
        case .parsing: "Parsing and validating the review..."
        case .complete: "Review complete."
        }
    }

    package func task(names: [String]) -> PromptTask {
        PromptTask(
            sections: ["# Chapter to review\n\(chapterToReview.trimmed)"],
            instructions: "Review the chapter above as its editor. Answer with a JSON object whose \"suggestions\" "
                + "list two to five problems worth fixing, most important first, each with \"issue\" (the words of the "
                + "chapter it is about, quoted in single quotes, then what is wrong with them), \"suggestion\" (the concrete "
                + "change to make) and \"priority\" (\"high\", \"medium\" or \"low\").")
    }

    package func answerPlan(_ settings: OperationPipeline.Configuration) -> AnswerPlan {
        AnswerPlan(sampling: settings.sampling, constraint: shape.constraint)
    }

    package func result(from answer: FinishedAnswer) throws(OperationFailure) -> EditorReviewResult {
        let object = try JSONAnswer.reading(answer)
        let items = object.objects("suggestions")
        // Issues that repeat one another or the instructions are left out, with their suggestions.
        let written = items.compactMap { ($0["issue"] as? String)?.trimmed }
        let kept = FeedbackCleanup(promptTexts: [answer.instructions]).keep(written)
        // An answer made only of echoes is still the model's answer; say so rather than hide it.
        let issues = Set(kept.isEmpty ? written : kept)
        var seen: Set<String> = []
        let suggestions = items.compactMap { item -> EditorSuggestion? in
            guard let issue = (item["issue"] as? String)?.trimmed.nilIfEmpty, issues.contains(issue),
                let suggestion = (item["suggestion"] as? String)?.trimmed.nilIfEmpty,
                seen.insert(issue.lowercased()).inserted
            else { return nil }
            let priority = (item["priority"] as? String).flatMap { EditorSuggestion.Priority(rawValue: $0.lowercased()) }
            return EditorSuggestion(issue: issue, suggestion: suggestion, priority: priority ?? .medium)
        }
        guard !suggestions.isEmpty else { throw JSONAnswer.unreadable(answer) }
        let metadata = answer.metadata(truncated: object.cutOff)
        // Stable: equal priorities keep the editor's order.
        let ordered = suggestions.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }
        return EditorReviewResult(suggestions: ordered.map(\.element), contextMetadata: metadata)
    }
}
