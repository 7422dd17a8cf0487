/// The body of `POST /api/v1/regenerate-bio`: a character's full sheet distilled into a short bio
/// of one paragraph.
public struct RegenerateBioRequest: OperationRequest {
    public typealias Result = RegenerateBioResult
    public static let operationName = "regenerate-bio"

    /// The bio's length when the request does not set one: about what a character card shows.
    public static let defaultWords = 60
    /// The lengths a request may ask for: a line at least, a long paragraph at most.
    public static let words = 15...250

    /// The character's sheet, with the fields of `structured_context.characters[]`.
    public var character: StoryCharacter
    /// The bio's length in words, at most.
    public var words: Int?
    public var structuredContext: StructuredContext?

    public init(character: StoryCharacter, words: Int? = nil, structuredContext: StructuredContext? = nil) {
        self.character = character
        self.words = words
        self.structuredContext = structuredContext
    }

    public var historySubject: String? { character.name }

    /// The length the bio keeps within.
    public var wordLimit: Int { words ?? Self.defaultWords }

    public mutating func validate() -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        if character.name.allSatisfy(\.isWhitespace) {
            issues.append(ValidationIssue(loc: ["body", "character", "name"], msg: "String should have at least 1 character", type: "string_too_short"))
        }
        issues += [ValidationIssue.outside(Self.words, words, at: ["body", "words"])].compactMap { $0 }
        return issues
    }

    enum CodingKeys: String, CodingKey {
        case character, words
        case structuredContext = "structured_context"
    }
}

public struct RegenerateBioResult: OperationResult {
    /// One paragraph, within the request's length.
    public var bio: String
    public var characterName: String
    /// The bio's length in words, as a writer counts them.
    public var words: Int
    public var contextMetadata: ContextMetadata

    public init(bio: String, characterName: String, words: Int, contextMetadata: ContextMetadata) {
        self.bio = bio
        self.characterName = characterName
        self.words = words
        self.contextMetadata = contextMetadata
    }

    enum CodingKeys: String, CodingKey {
        case bio, characterName, words
        case contextMetadata = "context_metadata"
    }
}
