/// The body of `POST /api/v1/modify-chapter`: a chapter revised as the writer asks in words.
///
/// With `maxRounds`, the revision is checked against each requested change and revised again for
/// what is missing, up to that many rounds: revise until done.
public struct ModifyChapterRequest: OperationRequest {
    public typealias Result = ModifyChapterResult
    public static let operationName = "modify-chapter"
    public static let worksOnAStoredChapter = true

    /// The rounds a request may ask for: each is a revision of the whole chapter and a check.
    public static let roundCounts = 1...4
    /// The most changes one request is checked for: one answer judges them all.
    public static let mostChanges = 12
    /// The longest change checked, in characters.
    public static let longestChange = 400

    public var currentChapter: String
    public var userRequest: String
    /// Check the revision against each requested change and revise again for what is missing, up
    /// to this many rounds. Absent: one revision, unchecked (checked once when `changes` are given).
    public var maxRounds: Int?
    /// The requested changes to check, one by one; by default the request's list items or sentences.
    public var changes: [String]?
    public var structuredContext: StructuredContext?

    public init(
        currentChapter: String, userRequest: String, maxRounds: Int? = nil, changes: [String]? = nil,
        structuredContext: StructuredContext? = nil
    ) {
        self.currentChapter = currentChapter
        self.userRequest = userRequest
        self.maxRounds = maxRounds
        self.changes = changes
        self.structuredContext = structuredContext
    }

    /// The rounds the run may write when its revisions are checked: as asked, or one when only
    /// `changes` are given; nil for a single revision, unchecked.
    public var checkedRounds: Int? {
        maxRounds ?? (changes == nil ? nil : 1)
    }

    /// The changes each revision is checked for: as listed, or the request's list items or
    /// sentences, each cut to `longestChange` characters.
    public var requestedChanges: [String] {
        // A request far longer than any list of changes is read only as far as an outline would be.
        let request = userRequest.utf8.count > PlotOutline.longestOutline ? String(userRequest.prefix(PlotOutline.longestOutline)) : userRequest
        let listed = changes ?? PlotOutline.points(of: request, splittingBeats: false)
        let changes = listed.map { String($0.trimmingWhitespace.prefix(Self.longestChange)) }.filter { !$0.isEmpty }
        return changes.isEmpty ? [String(userRequest.trimmingWhitespace.prefix(Self.longestChange))] : changes
    }

    public mutating func validate() -> [ValidationIssue] {
        var issues = Self.requireText([("currentChapter", currentChapter), ("userRequest", userRequest)])
        if let issue = ValidationIssue.outside(Self.roundCounts, maxRounds, at: ["body", "maxRounds"]) { issues.append(issue) }
        if let changes {
            if changes.isEmpty || changes.count > Self.mostChanges {
                return issues + [ValidationIssue(
                    loc: ["body", "changes"],
                    msg: changes.isEmpty ? "List should have at least 1 item" : "List should have at most \(Self.mostChanges) items",
                    type: changes.isEmpty ? "too_short" : "too_long")]
            }
            for (index, change) in changes.enumerated() {
                if change.allSatisfy(\.isWhitespace) {
                    issues.append(ValidationIssue(
                        loc: ["body", "changes", .index(index)], msg: "String should have at least 1 character", type: "string_too_short"))
                } else if change.count > Self.longestChange {
                    issues.append(ValidationIssue(
                        loc: ["body", "changes", .index(index)], msg: "String should have at most \(Self.longestChange) characters",
                        type: "string_too_long"))
                }
            }
        } else if maxRounds != nil, issues.isEmpty {
            // The request is split once, here; its changes are then read as if listed.
            let split = requestedChanges
            if split.count > Self.mostChanges {
                issues.append(ValidationIssue(
                    loc: ["body", "userRequest"],
                    msg: "The request has \(split.count) changes; a revision is checked for at most \(Self.mostChanges)", type: "too_long"))
            } else {
                changes = split
            }
        }
        return issues
    }

    enum CodingKeys: String, CodingKey {
        case currentChapter, userRequest, maxRounds, changes
        case structuredContext = "structured_context"
    }
}

public struct ModifyChapterResult: OperationResult {
    public var modifiedChapter: String
    public var wordCount: Int
    public var changesSummary: String
    /// When checked (`maxRounds`): each requested change, and whether the revision returned shows it.
    public var changes: [CheckedChange]?
    /// When checked: the rounds written.
    public var rounds: Int?
    /// When checked: the round whose revision this is, from 1. The one that showed the most changes
    /// (a whole revision before one cut short), the earliest of equals; not always the last.
    public var chosenRound: Int?
    /// When the rounds ended before the bound with changes still missing: why (the time limit, a
    /// round that could not be written).
    public var roundsNote: String?
    public var contextMetadata: ContextMetadata

    public init(
        modifiedChapter: String, wordCount: Int, changesSummary: String, changes: [CheckedChange]? = nil, rounds: Int? = nil,
        chosenRound: Int? = nil, roundsNote: String? = nil, contextMetadata: ContextMetadata
    ) {
        self.modifiedChapter = modifiedChapter
        self.wordCount = wordCount
        self.changesSummary = changesSummary
        self.changes = changes
        self.rounds = rounds
        self.chosenRound = chosenRound
        self.roundsNote = roundsNote
        self.contextMetadata = contextMetadata
    }

    /// How many of the requested changes the revision shows.
    public var confirmedChanges: Int { changes?.count(where: \.confirmed) ?? 0 }

    enum CodingKeys: String, CodingKey {
        case modifiedChapter, wordCount, changesSummary, changes, rounds, chosenRound, roundsNote
        case contextMetadata = "context_metadata"
    }
}

/// A requested change as a revision was checked for it.
public struct CheckedChange: Codable, Sendable, Equatable {
    public var change: String
    /// The check found the change made, with its evidence in `passage` or `removedPassage`.
    public var confirmed: Bool
    /// A sentence of the revised chapter that shows the change (its first 160 characters, as the
    /// chapter has them): one the original chapter did not have.
    public var passage: String?
    /// For a change made by cutting: the sentence of the original the revision removed.
    public var removedPassage: String?

    public init(change: String, confirmed: Bool, passage: String? = nil, removed: String? = nil) {
        self.change = change
        self.confirmed = confirmed
        self.passage = passage
        self.removedPassage = removed
    }
}
