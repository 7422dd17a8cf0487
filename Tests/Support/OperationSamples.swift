public import WriterAssistantAPI

/// One request of every operation on one story, and an answer of the shape each asks for, as
/// tests drive them.
public enum OperationSamples {
    public static let story = StructuredContext(
        systemPrompts: SystemPrompts(mainPrefix: "You are a helpful assistant.", mainSuffix: "Be creative and engaging."),
        worldbuilding: Worldbuilding(content: "A fantasy world with magic.", wordCount: 5),
        storySummary: StorySummary(summary: "A hero's journey begins.", wordCount: 4),
        previousChapters: [Chapter(number: 1, title: "The Farm", content: "Ari grew up on a quiet farm at the edge of the forest.")],
        characters: [StoryCharacter(name: "Ari", basicBio: "A curious farm girl.", personality: "Brave, stubborn")],
        plotContext: PlotContext(
            plotPoint: "The hero discovers a hidden door in the basement.",
            plotOutline: "Hero finds door, explores, finds treasure.", plotOutlineStatus: "draft"))

    public static let plotPoint = "Ari discovers a hidden door in the basement."
    public static let chapter = "Ari opened the door. The door was old. She was scared, very scared, and she walked down the stairs slowly."

    public static let raterFeedback = RaterFeedbackRequest(
        raterPrompt: "You are a story critic. Evaluate this plot point.", plotPoint: plotPoint, raterName: "Critic",
        structuredContext: story)
    public static let characterFeedback = CharacterFeedbackRequest(characterName: "Ari", plotPoint: plotPoint, structuredContext: story)
    public static let editorReview = EditorReviewRequest(chapterToReview: chapter, structuredContext: story)
    public static let generateChapter = GenerateChapterRequest(plotPoint: plotPoint, structuredContext: story, targetWords: 60)
    public static let modifyChapter = ModifyChapterRequest(
        currentChapter: "Ari grew up on a quiet farm at the edge of the forest. Every night she heard the trees whisper.",
        userRequest: "Make it rain at night.", structuredContext: story)
    public static let fleshOut = FleshOutRequest(
        textToFleshOut: "Ari finds the door. It opens.", context: "The smell of the basement.", structuredContext: story)
    public static let generateCharacterDetails = GenerateCharacterDetailsRequest(
        basicBio: "Ari's older brother, a blacksmith who distrusts magic.", structuredContext: story)

    public static let regenerateBio = RegenerateBioRequest(
        character: StoryCharacter(
            name: "Ari", basicBio: "A curious farm girl.", age: "16", personality: "Brave, stubborn, quick to laugh.",
            motivations: "To see what lies past the forest.", fears: "Being stuck on the farm forever.",
            relationships: "Daughter of the miller; friend of the blacksmith's son."),
        words: 40, structuredContext: story)
    /// The story with an outline of four plot points, planned as two chapters.
    public static let generateChapterOutlines: GenerateChapterOutlinesRequest = {
        var outlined = story
        outlined.plotContext?.plotOutline = "- Ari finds a hidden door in the basement.\n- She opens it with her grandmother's key.\n"
            + "- Ari explores the tunnels beneath the farm.\n- She finds the treasure and must decide whom to tell."
        return GenerateChapterOutlinesRequest(chapterCount: 2, structuredContext: outlined)
    }()

    /// A conversation with one of the story's characters, at its second question.
    public static let chat = ChatRequest(
        agent: .character, characterName: "Ari",
        messages: [
            ConversationMessage(role: .user, content: "What do you hear at night?"),
            ConversationMessage(role: .assistant, content: "The trees, whispering past the fence."),
            ConversationMessage(role: .user, content: "Why do you go to the basement?"),
        ],
        structuredContext: story)

    /// Every operation but rater feedback, which has tests of its own.
    public static let newOperations: [any OperationRequest] = [
        characterFeedback, editorReview, generateChapter, modifyChapter, fleshOut, generateCharacterDetails, regenerateBio,
        generateChapterOutlines, chat,
    ]

    /// What a model might answer to each operation, in its shape.
    public static func answer(to operation: String) -> String {
        switch operation {
        case CharacterFeedbackRequest.operationName:
            #"{"actions": ["Ari grips the cold brass handle."], "dialog": ["Who built you, door?"], "physicalSensations": ["Her palms sweat against the metal."], "emotions": ["Fear tangled with wild curiosity."], "internalMonologue": ["I have to know what is behind it."]}"#
        case EditorReviewRequest.operationName:
            #"{"suggestions": [{"issue": "'The door was old.' This tells instead of shows.", "suggestion": "Describe the cracked paint and rusted hinges.", "priority": "medium"}, {"issue": "'She was scared, very scared, and she walked down the stairs slowly.' The fear is stated flatly.", "suggestion": "Show the fear through her breath and her hands.", "priority": "high"}]}"#
        case GenerateChapterRequest.operationName:
            "Chapter 2\n\nAri crept down the stairs. The door waited in the dark, and behind it something hummed."
        case ModifyChapterRequest.operationName:
            #"{"modifiedChapter": "Ari grew up on a quiet farm at the edge of the forest. Every night the rain drummed on the roof.", "changesSummary": "Rain now falls every night."}"#
        case FleshOutRequest.operationName:
            "Ari found the door behind the shelves, its wood swollen with damp. The basement smelled of earth and old apples. She pushed, and it opened."
        case GenerateCharacterDetailsRequest.operationName:
            #"{"name": "Bram", "sex": "male", "gender": "man", "age": "24", "personality": "Gruff, loyal and quick to anger.", "motivations": "Keeping his sister safe.", "fears": "Magic and what it did to their mother.", "relationships": "Older brother of Ari.", "physicalAppearance": "Broad shoulders, burn scars on his forearms.", "usualClothing": "A leather apron over a wool shirt."}"#
        case RegenerateBioRequest.operationName:
            "Ari is a brave, stubborn farm girl of sixteen who laughs easily. She longs to see what lies past the forest and fears being stuck on the farm forever."
        case GenerateChapterOutlinesRequest.operationName:
            #"{"chapter 1": {"covers": "Ari finds a hidden door in the basement. / She opens it with her grandmother's key.", "title": "The Door Below", "summary": "Ari finds a hidden door in the basement and opens it with her grandmother's key.", "characters": ["Ari"]}, "chapter 2": {"covers": "Ari explores the tunnels beneath the farm. / She finds the treasure and must decide whom to tell.", "title": "What the Tunnels Keep", "summary": "Ari follows the tunnels beneath the farm to the treasure and must choose whom to trust with it.", "characters": ["Ari"]}}"#
        case ChatRequest.operationName:
            // A small model labels its turn and runs on into the writer's: both are taken off.
            "Ari: Because the door down there hums the same song the trees do, and I have to know who taught it to them.\nWriter: And then?"
        default:
            #"{"opinion": "A strong, eerie turn. The door raises the stakes.", "suggestions": ["Describe the door's carvings", "Show the hero's hesitation", "Let the basement smell of rain"]}"#
        }
    }
}
