/// The body of `POST /api/v1/generate-character-details`: a character sheet from a short bio.
public struct GenerateCharacterDetailsRequest: OperationRequest {
    public typealias Result = GenerateCharacterDetailsResult
    public static let operationName = "generate-character-details"

    public var basicBio: String
    /// Characters the new one must be told apart from, besides the story's own.
    public var existingCharacters: [StoryCharacter]?
    public var structuredContext: StructuredContext?

    public init(basicBio: String, existingCharacters: [StoryCharacter]? = nil, structuredContext: StructuredContext? = nil) {
        self.basicBio = basicBio
        self.existingCharacters = existingCharacters
        self.structuredContext = structuredContext
    }

    public mutating func validate() -> [ValidationIssue] {
        Self.requireText([("basicBio", basicBio)])
            + [ValidationIssue.tooLong(existingCharacters?.count ?? 0, at: ["body", "existingCharacters"], limit: StructuredContext.mostCharacters)]
            .compactMap { $0 }
    }

    enum CodingKeys: String, CodingKey {
        case basicBio, existingCharacters
        case structuredContext = "structured_context"
    }
}

/// A character sheet with the fields of `structured_context.characters[]`, so a client can add it
/// to its characters as it is.
public struct GenerateCharacterDetailsResult: OperationResult {
    public var name: String
    public var sex: String
    public var gender: String
    public var age: String
    public var personality: String
    public var motivations: String
    public var fears: String
    public var relationships: String
    public var physicalAppearance: String
    public var usualClothing: String
    public var contextMetadata: ContextMetadata

    public init(
        name: String, sex: String, gender: String, age: String, personality: String, motivations: String, fears: String,
        relationships: String, physicalAppearance: String, usualClothing: String, contextMetadata: ContextMetadata
    ) {
        self.name = name
        self.sex = sex
        self.gender = gender
        self.age = age
        self.personality = personality
        self.motivations = motivations
        self.fears = fears
        self.relationships = relationships
        self.physicalAppearance = physicalAppearance
        self.usualClothing = usualClothing
        self.contextMetadata = contextMetadata
    }

    /// The sheet as one of the story's characters.
    public var character: StoryCharacter {
        StoryCharacter(
            name: name, sex: sex, gender: gender, age: age, personality: personality, motivations: motivations,
            fears: fears, relationships: relationships, physicalAppearance: physicalAppearance, usualClothing: usualClothing)
    }

    enum CodingKeys: String, CodingKey {
        case name, sex, gender, age, personality, motivations, fears, relationships, physicalAppearance, usualClothing
        case contextMetadata = "context_metadata"
    }
}
