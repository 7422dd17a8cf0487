/// The body of `POST /api/v1/character-feedback`: how one of the story's characters lives a plot
/// point.
public struct CharacterFeedbackRequest: OperationRequest {
    public typealias Result = CharacterFeedbackResult
    public static let operationName = "character-feedback"

    /// One of `structuredContext.characters`.
    public var characterName: String
    public var plotPoint: String
    public var structuredContext: StructuredContext?

    public init(characterName: String, plotPoint: String, structuredContext: StructuredContext? = nil) {
        self.characterName = characterName
        self.plotPoint = plotPoint
        self.structuredContext = structuredContext
    }

    public var historySubject: String? { character?.name ?? characterName }

    /// The character the request names, as the story describes them.
    public var character: StoryCharacter? {
        structuredContext?.character(named: characterName)
    }

    public mutating func validate() -> [ValidationIssue] {
        var issues = Self.requireText([("characterName", characterName), ("plotPoint", plotPoint)])
        if issues.isEmpty, character == nil {
            issues.append(.unknownCharacter(in: structuredContext))
        }
        return issues
    }

    enum CodingKeys: String, CodingKey {
        case characterName, plotPoint
        case structuredContext = "structured_context"
    }
}

public struct CharacterFeedbackResult: OperationResult {
    public var characterName: String
    public var feedback: CharacterFeedback
    public var contextMetadata: ContextMetadata

    public init(characterName: String, feedback: CharacterFeedback, contextMetadata: ContextMetadata) {
        self.characterName = characterName
        self.feedback = feedback
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case characterName, feedback
        case contextMetadata = "context_metadata"
    }
}

/// A character's living of a scene, in their own voice.
public struct CharacterFeedback: Codable, Sendable, Equatable {
    public var actions: [String]
    public var dialog: [String]
    public var physicalSensations: [String]
    public var emotions: [String]
    public var internalMonologue: [String]

    public init(
        actions: [String], dialog: [String], physicalSensations: [String], emotions: [String], internalMonologue: [String]
    ) {
        self.actions = actions
        self.dialog = dialog
        self.physicalSensations = physicalSensations
        self.emotions = emotions
        self.internalMonologue = internalMonologue
    }
}
