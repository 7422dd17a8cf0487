package import WriterAssistantAPI

/// Keeps a generated chapter to the length asked, within `GenerateChapterRequest.lengthTolerance`:
/// the answer's token bounds that should give that many words, and the judgement of the words
/// the model wrote.
///
/// Models count tokens, writers count words, and how many tokens a word takes depends on the
/// tokenizer and the text: from about 1.1 for plain English prose to 1.5. So both token bounds
/// are reckoned at the most tokens per word: whatever the tokenizer, the minimum in tokens is at
/// least the minimum in words, and the budget room enough for the words asked. Within them the
/// words themselves decide: the engine ends the chapter at the first sentence end once it has
/// the words asked (`ChapterGuide`), and a chapter still longer than the most allowed (from a
/// model server, which takes no guide) is cut back to its last sentence within it.
package struct ChapterLengthPolicy: Sendable, Equatable {
    package static let mostTokensPerWord = 1.5

    package let asked: Int
    package let minimumWords: Int
    package let maximumWords: Int

    package init(asked: Int, tolerance: Double = GenerateChapterRequest.lengthTolerance) {
        self.asked = asked
        minimumWords = Int((Double(asked) * (1 - tolerance)).rounded(.up))
        maximumWords = Int((Double(asked) * (1 + tolerance)).rounded(.down))
    }

    /// The answer's token budget: the most words allowed, within the server's prose budget.
    package func maxTokens(within budget: Int) -> Int {
        min(budget, Int(Double(maximumWords) * Self.mostTokensPerWord))
    }

    /// Tokens before which the model may not end the chapter: the fewest words allowed, and never
    /// so close to the budget that the model could not end a chapter the budget cuts short.
    package func minTokens(within budget: Int) -> Int {
        min(Int(Double(maxTokens(within: budget)) * 0.8), Int(Double(minimumWords) * Self.mostTokensPerWord))
    }

    /// How the model's answer ended, as far as its length is concerned.
    package enum Ending: Sendable, Equatable {
        /// The model ended it.
        case model
        /// The server's chapter limit of this many tokens, lower than the range asks, stopped it;
        /// it ends at its last complete sentence.
        case serverLimit(Int)
        /// The range's own token budget stopped it: the model's words take more tokens than reckoned.
        case rangeBudget
        /// The model went on into another chapter, which was cut off.
        case nextChapter
    }

    /// The chapter's length against the range, and why it is outside when it is, or was cut to it
    /// (`cutToRange`).
    package func judge(words: Int, ending: Ending, cutToRange: Bool = false) -> ChapterLength {
        let within = (minimumWords...maximumWords).contains(words)
        let range = "the \(minimumWords)–\(maximumWords) asked (\(asked) words, give or take a quarter)"
        var note: String?
        if words < minimumWords {
            switch ending {
            case .nextChapter:
                note = "The model began another chapter after \(words) words; only the first is kept, so it is shorter than \(range)."
            case .serverLimit(let tokens):
                note = "This server writes chapters of at most about \(Int(Double(tokens) / 1.3)) words, so it stopped at \(words) "
                    + "words, short of \(range); it ends at its last complete sentence."
            case .rangeBudget:
                note = "The token budget for this length stopped it at \(words) words, short of \(range): this model's words "
                    + "take more tokens than most. It ends at its last complete sentence."
            case .model:
                note = "The model ended the chapter at \(words) words, short of \(range)."
            }
        } else if words > maximumWords {
            note = "The model wrote \(words) words, more than \(range)."
        } else if cutToRange {
            note = "The model wrote past \(range); the chapter ends at its last complete sentence within them, at \(words) words."
        }
        return ChapterLength(asked: asked, minimum: minimumWords, maximum: maximumWords, withinTolerance: within, note: note)
    }
}
