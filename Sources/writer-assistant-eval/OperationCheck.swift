import Foundation
import MeasurementSupport
import WriterAssistantAPI
import WriterAssistantClient

/// One writing operation on one story of the corpus, and the checks of its own it met: a chapter
/// that names the story's people, an editor's issue that quotes text the chapter has, a revision
/// that keeps most of the chapter.
struct OperationCheck: Sendable, Codable {
    var operation: String
    var genre: String
    var seconds: Double
    var errorCode: String?
    var truncated: Bool
    /// Each check's name and whether the answer met it, in a fixed order per operation.
    var checks: [Check]
    /// The answer as a writer would read it, for the report.
    var text: String
    /// Of a conversation, the seconds to each turn's first token.
    var firstTokenSeconds: [Double]?

    struct Check: Sendable, Codable {
        var name: String
        var met: Bool
    }

    /// The words a generated chapter is asked for.
    static let chapterWords = 300

    /// Every operation on `story`, at once, as a writer's workspace would ask them; with `stored`
    /// (the story as the server's library keeps it, beside the corpus's other stories), a question
    /// of the archive about it too.
    static func run(story: QualityCorpus.Story, stored: StoredStory? = nil, on client: WriterAssistantClient) async -> [OperationCheck] {
        let context = story.structuredContext
        let chapter = context.previousChapters?.last?.content ?? story.plotPoint
        let passage = Self.sentences(chapter).prefix(2).joined(separator: " ")
        let character = context.characters?.first?.name ?? story.names.first ?? "the hero"
        let names = story.names
        let characterSheet = story.characterSheet
        // The conversation first, before the other operations have read the story: its first turn
        // reads it, its second should not.
        let chat = await ChatCheck.run(story: story, stored: stored, on: client)
        return [chat] + (await withTaskGroup(of: OperationCheck.self) { group in
            group.addTask {
                await measure(CharacterFeedbackRequest(characterName: character, plotPoint: story.plotPoint, structuredContext: story.contextWithSheet),
                              genre: story.genre, on: client) { result in
                    let feedback = result.feedback
                    let parts = [feedback.actions, feedback.dialog, feedback.physicalSensations, feedback.emotions, feedback.internalMonologue]
                    let text = parts.flatMap { $0 }.joined(separator: " ")
                    return ([("all five parts", parts.allSatisfy { !$0.isEmpty }),
                             ("names the story's people or places", AnswerQuality.mentions(names, in: text)),
                             ("does not loop", AnswerQuality.repeatedShare(text) <= AnswerQuality.loopingShare),
                             ("speaks as the character of the sheet", characterSheet.map {
                                 !CharacterSheetChecks.contradictsSheet(text, gender: $0.gender, age: Int($0.age))
                             } ?? true)],
                            zip(["Actions", "Dialog", "Sensations", "Emotions", "Thoughts"], parts)
                                .map { "**\($0.0)**: " + $0.1.joined(separator: " / ") }.joined(separator: "<br>"))
                }
            }
            group.addTask {
                await measure(EditorReviewRequest(chapterToReview: chapter, structuredContext: context), genre: story.genre, on: client) { result in
                    let pointing = result.suggestions.map { Self.quotesText(of: chapter, in: $0.issue) }
                    return ([("2–5 suggestions", (2...5).contains(result.suggestions.count)),
                             ("some issue quotes the chapter", pointing.contains(true)),
                             ("every issue quotes the chapter", !pointing.isEmpty && pointing.allSatisfy { $0 })],
                            result.suggestions.map { "[\($0.priority.rawValue)] \($0.issue) → \($0.suggestion)" }.joined(separator: "<br>"))
                }
            }
            group.addTask {
                await measure(GenerateChapterRequest(plotPoint: story.plotPoint, structuredContext: context, targetWords: chapterWords),
                              genre: story.genre, on: client) { result in
                    ([("names the story's people or places", AnswerQuality.mentions(names, in: result.chapterText)),
                      ("does not loop", AnswerQuality.repeatedShare(result.chapterText) <= AnswerQuality.loopingShare),
                      ("half to twice the words asked", (chapterWords / 2...chapterWords * 2).contains(result.wordCount)),
                      ("within a quarter of the words asked", abs(result.wordCount - chapterWords) * 4 <= chapterWords),
                      ("says why when it is not", abs(result.wordCount - chapterWords) * 4 <= chapterWords || result.length?.note != nil)],
                     result.chapterText)
                }
            }
            group.addTask {
                await measure(ModifyChapterRequest(currentChapter: chapter, userRequest: "Make it night, with rain.", structuredContext: context),
                              genre: story.genre, on: client) { result in
                    let kept = Self.sharedWords(chapter, result.modifiedChapter)
                    return ([("changed the chapter", result.modifiedChapter.trimmingCharacters(in: .whitespacesAndNewlines) != chapter.trimmingCharacters(in: .whitespacesAndNewlines)),
                             ("kept most of its words", kept >= 0.5),
                             ("does not loop", AnswerQuality.repeatedShare(result.modifiedChapter) <= AnswerQuality.loopingShare)],
                            "**Changes**: \(result.changesSummary)<br>\(result.modifiedChapter)")
                }
            }
            // Revise until done against one revision checked the same way, on the same two changes.
            for (label, rounds) in [(Self.checkedOnce, 1), (Self.untilDone, Self.reviseRounds)] {
                group.addTask {
                    let request = ModifyChapterRequest(
                        currentChapter: chapter, userRequest: Self.twoChanges, maxRounds: rounds, structuredContext: context)
                    return await measure(request, label: label, genre: story.genre, on: client) { result in
                        let confirmed = (result.changes ?? []).map(\.confirmed)
                        let text = result.modifiedChapter
                        return ([("rain confirmed", confirmed.first == true),
                                 ("dog confirmed", confirmed.last == true && confirmed.count == 2),
                                 ("rain in the text", Self.count(of: "rain", in: text) > Self.count(of: "rain", in: chapter)),
                                 ("Bran in the text", Self.count(of: "bran", in: text) > Self.count(of: "bran", in: chapter)),
                                 ("kept most of its words", Self.sharedWords(chapter, text) >= 0.5)],
                                "**Rounds**: \(result.rounds ?? 0); "
                                    + (result.changes ?? []).map { "\($0.confirmed ? "made" : "missing"): \($0.change)" + ($0.passage.map { " (\"\($0)\")" } ?? "") }
                                        .joined(separator: "; ")
                                    + "<br>\(text)")
                    }
                }
            }
            group.addTask {
                await measure(FleshOutRequest(textToFleshOut: passage, structuredContext: context), genre: story.genre, on: client) { result in
                    let passageNames = names.filter { AnswerQuality.mentions([$0], in: passage) }
                    return ([("longer than the passage", result.fleshedOutText.count > passage.count * 3 / 2),
                             ("keeps the passage's names", passageNames.allSatisfy { AnswerQuality.mentions([$0], in: result.fleshedOutText) }),
                             ("does not loop", AnswerQuality.repeatedShare(result.fleshedOutText) <= AnswerQuality.loopingShare)],
                            "**Passage**: \(passage)<br>\(result.fleshedOutText)")
                }
            }
            group.addTask {
                await measure(GenerateCharacterDetailsRequest(basicBio: "A stranger who arrives with news about \(character).", structuredContext: context),
                              genre: story.genre, on: client) { sheet in
                    let fields = [sheet.sex, sheet.gender, sheet.age, sheet.personality, sheet.motivations, sheet.fears,
                                  sheet.relationships, sheet.physicalAppearance, sheet.usualClothing]
                    let taken = (context.characters ?? []).map(\.name)
                    return ([("every field filled", fields.allSatisfy { !$0.isEmpty }),
                             ("a name the story does not use, however written", !taken.contains { CharacterSheetChecks.sameName(sheet.name, $0) }),
                             ("an age in \"age\"", CharacterSheetChecks.isAge(sheet.age)),
                             ("a sex and a gender in theirs", [sheet.sex, sheet.gender].allSatisfy { CharacterSheetChecks.isSexOrGender($0, names: taken + [sheet.name]) })],
                            "**\(sheet.name)** (\(sheet.sex), \(sheet.gender), \(sheet.age)): \(sheet.personality) Fears: \(sheet.fears)")
                }
            }
            group.addTask {
                let sheet = story.contextWithSheet.characters?.first ?? StoryCharacter(name: character)
                return await measure(RegenerateBioRequest(character: sheet, words: bioWords, structuredContext: context),
                                     genre: story.genre, on: client) { result in
                    let firstName = sheet.name.split(separator: " ").first.map(String.init) ?? sheet.name
                    return ([("within the words asked", Self.words(result.bio) <= bioWords),
                             ("one paragraph", !result.bio.contains("\n")),
                             ("names the character", AnswerQuality.mentions([firstName], in: result.bio)),
                             ("does not loop", AnswerQuality.repeatedShare(result.bio) <= AnswerQuality.loopingShare)],
                            "**\(result.characterName)** (\(Self.words(result.bio)) words): \(result.bio)")
                }
            }
            group.addTask {
                let request = GenerateChapterOutlinesRequest(structuredContext: context)
                return await measure(request, genre: story.genre, on: client) { result in
                    let outlines = result.outlines
                    return ([("every plot point once, in order", outlines.flatMap(\.plotPoints) == request.plotPoints),
                             ("every chapter titled and summarised", outlines.allSatisfy {
                                 !$0.title.lowercased().hasPrefix("chapter") && !$0.summary.isEmpty
                             }),
                             ("each summary names the story's people or places", outlines.allSatisfy { AnswerQuality.mentions(names, in: $0.summary) }),
                             ("summaries differ", Self.distinct(outlines.map(\.summary)))],
                            outlines.map { "**\($0.number). \($0.title)** (\($0.plotPoints.joined(separator: "; "))): \($0.summary)" }
                                .joined(separator: "<br>"))
                }
            }
            if let stored {
                group.addTask {
                    let request = ArchiveQuestionRequest(question: "What happens to \(character)?")
                    let firstName = character.split(separator: " ").first.map(String.init) ?? character
                    let chapters = stored.document.structuredContext.numberedChapters
                    return await measure(request, genre: story.genre, on: client) { result in
                        let exists = { (citation: ArchiveCitation) in
                            chapters.contains { $0.number == citation.chapter && $0.chapter.content.contains(citation.text) }
                        }
                        return ([("cites a passage", !result.citations.isEmpty),
                                 ("every citation from the story asked about", result.citations.allSatisfy { $0.storyId == stored.id }),
                                 ("its citations word for word in their chapter", result.citations.allSatisfy {
                                     $0.storyId != stored.id || exists($0)
                                 }),
                                 ("every quote found (none left out)", result.unverifiedCitations == nil),
                                 ("names the character", AnswerQuality.mentions([firstName], in: result.answer))],
                                "**Q**: \(request.question)<br>**A**: \(result.answer)<br>"
                                    + result.citations.map { "[\($0.title), chapter \($0.chapter), ¶\($0.paragraph)] \"\($0.text)\"" }
                                        .joined(separator: "<br>"))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        })
    }

    /// What revise until done is measured on: two changes whose words a check can find.
    static let twoChanges = "- Make it rain.\n- Add a dog named Bran."
    static let reviseRounds = 3
    static let checkedOnce = "modify-chapter, checked once"
    static let untilDone = "modify-chapter, until done (≤ 3 rounds)"

    /// How many words of `text` begin with `stem` ("rain", "raining", "rainy"), letter case aside.
    static func count(of stem: String, in text: String) -> Int {
        text.lowercased().split { !$0.isLetter }.count { $0.hasPrefix(stem) }
    }

    /// The length a bio is asked for.
    static let bioWords = 40

    /// Whether no two of `texts` share most of their words (a chapter summary repeated with a
    /// word changed is not a plan).
    static func distinct(_ texts: [String]) -> Bool {
        let words = texts.map { Set($0.lowercased().split { !$0.isLetter }.map(String.init)) }
        for (index, first) in words.enumerated() {
            for second in words[(index + 1)...] {
                let shared = Double(first.intersection(second).count) / Double(max(first.union(second).count, 1))
                if shared >= 0.6 { return false }
            }
        }
        return true
    }

    /// Words as a writer counts them: runs between spaces that hold a letter or digit.
    static func words(_ text: String) -> Int {
        text.split(whereSeparator: \.isWhitespace).count { $0.contains { $0.isLetter || $0.isNumber } }
    }

    /// Streams one operation and checks its result.
    static func measure<Request: OperationRequest>(
        _ request: Request, label: String? = nil, genre: String, on client: WriterAssistantClient,
        checks: (Request.Result) -> ([(String, Bool)], String)
    ) async -> OperationCheck {
        let started = ContinuousClock.now
        var outcome = OperationCheck(
            operation: label ?? Request.operationName, genre: genre, seconds: 0, truncated: false, checks: [], text: "")
        do {
            let result = try await client.events(request).result()
            let (met, text) = checks(result)
            outcome.checks = met.map { Check(name: $0.0, met: $0.1) }
            outcome.text = text
            outcome.truncated = result.contextMetadata.truncated == true
        } catch WriterAssistantClientError.server(let code, _, _) {
            outcome.errorCode = code.rawValue
        } catch {
            outcome.errorCode = "TRANSPORT"
        }
        let elapsed = ContinuousClock.now - started
        outcome.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return outcome
    }

    /// Whether `issue` quotes, in any kind of quotation marks, at least two words that `chapter`
    /// has as they are (letter case and spacing aside).
    static func quotesText(of chapter: String, in issue: String) -> Bool {
        let haystack = normalized(chapter)
        for (open, close) in [("\"", "\""), ("“", "”"), ("'", "'"), ("‘", "’")] {
            var rest = Substring(issue)
            while let start = rest.range(of: open) {
                let after = rest[start.upperBound...]
                guard let end = after.range(of: close) else { break }
                let quoted = normalized(String(after[..<end.lowerBound]))
                    .trimmingCharacters(in: CharacterSet.punctuationCharacters.union(.whitespaces))
                if quoted.split(separator: " ").count >= 2, haystack.contains(quoted) { return true }
                rest = after[end.upperBound...]
            }
        }
        return false
    }

    private static func normalized(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: "’", with: "'")
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The share of `original`'s distinct words that `revised` still has.
    static func sharedWords(_ original: String, _ revised: String) -> Double {
        let words = { (text: String) in Set(text.lowercased().split { !$0.isLetter }.map(String.init)) }
        let before = words(original)
        return before.isEmpty ? 0 : Double(before.intersection(words(revised)).count) / Double(before.count)
    }

    /// Sentences ended by `.`, `!` or `?` and a space.
    static func sentences(_ text: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if ".!?".contains(character) {
                sentences.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        return (sentences + [rest]).filter { !$0.isEmpty }
    }
}
