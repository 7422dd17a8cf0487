import Foundation
import MeasurementSupport
import Testing
import WriterAssistantAPI
import WriterAssistantLLM
import WriterAssistantTestSupport
@testable import WriterAssistantCore

/// A generated character is new and each field of its sheet holds what it is for; a character
/// speaks as the one of their sheet.
@Suite struct CharacterSheetTests {
    @Test func aNameWrittenAnotherWayIsTaken() {
        let taken = ["Maren Vell", "Ossian", "Al", "Ari"]
        for name in ["MarenVell", "maren-vell", "MAREN VELL", "MarenVells", "Maren Ash", "Maren", " ossian.", "Al", "Ari-El", "Ossian's Son"] {
            #expect(StoryNames.taken(name, among: taken) != nil, "\(name)")
        }
        // Names that merely begin alike are different people.
        for name in ["Aldous Penn", "Alice", "Marena", "Ossianne", "Vell Maren", "Osric", ""] {
            #expect(StoryNames.taken(name, among: taken) == nil, "\(name)")
        }
    }

    /// The server refuses a taken name that a model server given only the schema could write.
    @Test func aSheetWithATakenNameIsRefused() throws {
        var request = OperationSamples.generateCharacterDetails
        request.existingCharacters = [StoryCharacter(name: "Maren Vell")]
        let answer = OperationSamples.answer(to: "generate-character-details").replacingOccurrences(of: "Bram", with: "MarenVell")
        #expect(throws: OperationFailure.self) { try request.result(from: OperationTests.finished(answer)) }
        #expect(try request.result(from: OperationTests.finished(OperationSamples.answer(to: "generate-character-details"))).name == "Bram")
    }

    /// Sex and gender are chosen from words that say one, the age is a number: a name cannot end
    /// up in "sex" nor a sentence in "age", whichever constraint the engine takes.
    @Test func eachShortFieldHoldsWhatItIsFor() throws {
        let shape = OperationSamples.generateCharacterDetails.shape
        guard case .object(let fields) = shape else { Issue.record("\(shape)"); return }
        let byKey = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) })
        #expect(byKey["sex"] == .choice(GenerateCharacterDetailsRequest.sexes))
        #expect(byKey["gender"] == .choice(GenerateCharacterDetailsRequest.genders))
        #expect(byKey["age"] == .number(digits: 4))
        #expect(shape.jsonSchema.contains(#""age":{"type":"string","pattern":"^(0|[1-9][0-9]{0,3})$"}"#))
        #expect(shape.grammar.contains(#""\"" ("0" | [1-9] [0-9]{0,3}) "\"""#))

        // What a model server without the schema writes is kept only where it holds what it is for.
        let loose = #"{"name": "Aldous Penn", "sex": "Aldous Penn", "gender": "Man", "age": "63 years old", "personality": "Quiet.", "#
            + #""motivations": "Work.", "fears": "Fire.", "relationships": "None.", "physicalAppearance": "Tall.", "usualClothing": "Wool."}"#
        let sheet = try OperationSamples.generateCharacterDetails.result(from: OperationTests.finished(loose))
        #expect(sheet.name == "Aldous Penn" && sheet.sex == "" && sheet.gender == "man" && sheet.age == "63")
    }

    @Test func theCharacterIsToldWhoTheyAre() {
        let ossian = StoryCharacter(name: "Ossian", sex: "Male", age: "63")
        #expect(CharacterFeedbackRequest.identity(of: ossian) == "a man of 63")
        #expect(CharacterFeedbackRequest.identity(of: StoryCharacter(name: "Pip", gender: "girl", age: "9")) == "a girl of 9")
        #expect(CharacterFeedbackRequest.identity(of: StoryCharacter(name: "Ines", sex: "female")) == "a woman")
        #expect(CharacterFeedbackRequest.identity(of: StoryCharacter(name: "Elowen", age: "about 300")) == "aged about 300")
        // Gender before sex, and a person where it names neither.
        #expect(CharacterFeedbackRequest.identity(of: StoryCharacter(name: "Jo", sex: "male", gender: "woman", age: "40")) == "a woman of 40")
        #expect(CharacterFeedbackRequest.identity(of: StoryCharacter(name: "Kit", sex: "female", gender: "non-binary", age: "30")) == "a person of 30")
        #expect(CharacterFeedbackRequest.identity(of: StoryCharacter(name: "Ari")) == nil)

        let request = CharacterFeedbackRequest(
            characterName: "ossian", plotPoint: "The boat comes in.", structuredContext: StructuredContext(characters: [ossian]))
        let instructions = request.task(names: []).instructions
        #expect(instructions.hasPrefix("Live this plot point as Ossian, a man of 63, in Ossian's own voice"))
    }

    /// The evaluation's checks can fail: each catches the defect it is for.
    @Test func theEvaluationsSheetChecksCatchWhatTheyAreFor() {
        #expect(CharacterSheetChecks.sameName("MarenVell", "Maren Vell"))
        #expect(CharacterSheetChecks.sameName("Ari-El", "Ari") && CharacterSheetChecks.sameName("Maren Ash", "Maren Vell"))
        #expect(!CharacterSheetChecks.sameName("Aldous Penn", "Maren Vell") && !CharacterSheetChecks.sameName("Marena", "Maren Vell"))
        #expect(CharacterSheetChecks.isAge("63") && CharacterSheetChecks.isAge("in her sixties"))
        #expect(!CharacterSheetChecks.isAge("Aldous Penn"))
        #expect(CharacterSheetChecks.isSexOrGender("male", names: ["Aldous Penn"]))
        #expect(!CharacterSheetChecks.isSexOrGender("Aldous Penn", names: ["Aldous Penn"]))

        #expect(CharacterSheetChecks.contradictsSheet("I'm a little girl and the sea frightens me.", gender: "man", age: 63))
        #expect(CharacterSheetChecks.contradictsSheet("I am a woman of the harbour.", gender: "male", age: 63))
        #expect(CharacterSheetChecks.contradictsSheet("I'm just a kid.", gender: "woman", age: 40))
        #expect(!CharacterSheetChecks.contradictsSheet("I'm an old man; the sea took my brother.", gender: "man", age: 63))
        #expect(!CharacterSheetChecks.contradictsSheet("As a boy, I fished here with the girl next door.", gender: "man", age: 63))
        #expect(!CharacterSheetChecks.contradictsSheet("I'm a little worried, and I'm a mother's son.", gender: "man", age: 63))
        #expect(!CharacterSheetChecks.contradictsSheet("I'm a little girl.", gender: "girl", age: 9))
    }
}
