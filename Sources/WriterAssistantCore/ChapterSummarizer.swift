package import WriterAssistantLLM

/// Writes the summary of one chapter with a model: what a critic who has not read the chapter
/// needs to follow the story, the facts later chapters may depend on first.
package struct ChapterSummarizer: Sendable {
    /// The summary's length, asked for in words: short by design, so that a novel's summaries
    /// take a small share of the budget.
    package var words: Int
    /// Longest time one summary may take, waiting for the model included.
    package var timeout: Duration

    package init(words: Int = Self.defaultWords, timeout: Duration = .seconds(180)) {
        self.words = words
        self.timeout = timeout
    }

    /// Fifty words: a quarter of the default model's budget then holds about ten summaries.
    package static let defaultWords = 50
    /// About what a summary takes with its heading, for reckoning how many fit a budget.
    package var expectedTokens: Int { words * 3 / 2 + 20 }
    /// Chapters shorter than this are not summarised: the summary would be as long.
    package static let shortestChapterWords = 150

    /// Why a summary could not be written.
    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case chapterTooLong
        case empty
        case looping
        case timedOut

        package var description: String {
            switch self {
            case .chapterTooLong: "the chapter does not fit the model's context window, even cut"
            case .empty: "the model wrote no summary"
            case .looping: "the model repeated itself"
            case .timedOut: "the model took too long"
            }
        }
    }

    /// Greedy on the first try, so that a chapter's summary is the same however often it is
    /// written; sampled on later ones, since greedy decoding would only repeat what failed.
    func sampling(afterFailedTries failed: Int) -> SamplingParameters {
        let budget = words * 2 + 40
        guard failed > 0 else { return SamplingParameters(temperature: 0, topK: 1, topP: 1, minP: 0, maxTokens: budget) }
        return SamplingParameters(temperature: 0.7, maxTokens: budget, seed: UInt32(clamping: failed))
    }

    package func summary(
        of body: String, cachePartition: String?, afterFailedTries failed: Int = 0, with model: any LanguageModel
    ) async throws -> String {
        try await withDeadline(timeout, else: Failure.timedOut) {
            let sampling = sampling(afterFailedTries: failed)
            let prompt = try await prompt(for: body, with: model, reserving: sampling.maxTokens)
            var text = ""
            var stoppedAtLimit = false
            for try await event in model.generate(GenerationRequest(prompt: prompt, sampling: sampling, cachePartition: cachePartition)) {
                switch event {
                case .text(let piece): text += piece
                case .finished(let summary): stoppedAtLimit = summary.stopReason == .maxTokens
                case .promptEvaluationStarted, .promptEvaluationProgress: continue
                }
            }
            try Task.checkCancellation()
            return try Self.cleaned(text, stoppedAtLimit: stoppedAtLimit)
        }
    }

    /// The chapter and the instructions, the chapter cut in its middle where it would not leave
    /// room for the summary: its opening and its close say most of what it changes.
    func prompt(for body: String, with model: any LanguageModel, reserving answer: Int) async throws -> PreparedPrompt {
        let room = model.descriptor.contextLength - answer
        // A token is rarely more than eight bytes: a chapter far longer than the window is cut
        // before it is tokenized, not after.
        let body = Self.cut(body, toBytes: max(room, 0) * 8)
        var text = body
        for _ in 0..<3 {
            let prompt = try await model.prepare(messages(for: text))
            if prompt.largestTokenCount <= room { return prompt }
            let keep = Double(text.count) * Double(room) / Double(prompt.largestTokenCount) * 0.85
            guard keep > 200 else { break }
            let opening = Int(keep * 0.7)
            text = String(body.prefix(opening)) + "\n\n[…]\n\n" + String(body.suffix(Int(keep) - opening))
        }
        throw Failure.chapterTooLong
    }

    /// `body` within `bytes`, its opening and its close kept.
    static func cut(_ body: String, toBytes bytes: Int) -> String {
        let utf8 = body.utf8
        guard utf8.count > bytes else { return body }
        let opening = bytes * 7 / 10
        // Decoding repairs a character split at either cut.
        return String(decoding: utf8.prefix(opening), as: UTF8.self) + "\n\n[…]\n\n"
            + String(decoding: utf8.suffix(bytes - opening), as: UTF8.self)
    }

    func messages(for body: String) -> [ChatMessage] {
        [
            ChatMessage(
                role: .system,
                content: "You summarise chapters of a novel for a critic who has not read them."),
            ChatMessage(role: .user, content: """
                # Chapter
                \(body)

                # Your answer
                Summarise this chapter in at most \(words) words of plain prose: who does what and \
                what changes, keeping every fact later chapters may depend on (names, places, \
                objects, injuries, deaths, promises, secrets). Write only the summary.
                """),
        ]
    }

    /// The summary without a label or heading the model put before it, cut after its last whole
    /// sentence when it ran out of tokens; a summary that is empty or loops is refused.
    static func cleaned(_ answer: String, stoppedAtLimit: Bool) throws -> String {
        var lines = answer.split(separator: "\n", omittingEmptySubsequences: true).map { $0.trimmingSpaces }
        while let first = lines.first, first.hasPrefix("#") || isLabel(first) {
            lines.removeFirst()
        }
        var text = lines.joined(separator: " ").trimmed
        for label in ["**Summary:**", "**Summary**:", "Summary:", "summary:"] where text.hasPrefix(label) {
            text = String(text.dropFirst(label.count)).trimmed
        }
        if stoppedAtLimit, let end = text.lastIndex(where: { ".!?".contains($0) }),
           text.distance(from: text.startIndex, to: end) > text.count / 3 {
            text = String(text[...end])
        }
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.count >= 3 else { throw Failure.empty }
        if repeatsItself(words.map { $0.lowercased() }) { throw Failure.looping }
        return text
    }

    /// A line that only names what follows: "Summary", "**Summary of the chapter:**".
    static func isLabel(_ line: String) -> Bool {
        let plain = line.lowercased().filter { !"*_".contains($0) }.trimmed
        let bare = plain.filter { $0 != ":" }.trimmed
        return bare == "summary" || (bare.hasPrefix("summary of") && plain.hasSuffix(":") && bare.count < 60)
    }

    /// True where a run of six words comes back three times: a model caught in a loop, not a
    /// summary.
    static func repeatsItself(_ words: [String], run: Int = 6, times: Int = 3) -> Bool {
        guard words.count >= run * times else { return false }
        var seen: [ArraySlice<String>: Int] = [:]
        for start in 0...(words.count - run) {
            let gram = words[start..<(start + run)]
            seen[gram, default: 0] += 1
            if seen[gram, default: 0] >= times { return true }
        }
        return false
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String { String(self).trimmed }
}
