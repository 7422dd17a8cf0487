/// Checks of what a writer reads about a character, independent of the server's own checks so
/// that they can catch it out: a generated name that is an existing one written another way, a
/// field that holds something other than what it is for, and a character's answer in which they
/// call themselves someone else (a man of 63 who says "I'm a little girl").
package enum CharacterSheetChecks {
    /// Whether `name` is `existing` written another way: the same letters, whatever the spacing,
    /// case and punctuation (`MarenVell`, `maren-vell`), or its first name as the first word or
    /// the first part of one (`Maren Ash`, `Maren-Ash`). Marena is someone else.
    package static func sameName(_ name: String, _ existing: String) -> Bool {
        let key = letters(name)
        let other = letters(existing)
        guard !key.isEmpty, !other.isEmpty else { return false }
        let first = { (text: String) in text.split(whereSeparator: \.isWhitespace).first.map { letters(String($0)) } ?? "" }
        let part = letters(String(name.drop(while: \.isWhitespace).prefix { $0.isLetter || $0.isNumber }))
        return key == other || first(name) == first(existing) || part == first(existing)
    }

    /// An age: a number, or words that say one ("elderly", "in her thirties").
    package static func isAge(_ text: String) -> Bool {
        text.contains(where: \.isNumber) || AnswerQuality.words(text).contains(where: ageWords.contains)
    }

    /// A sex or gender: a word that says one, and not a name of the story.
    package static func isSexOrGender(_ text: String, names: [String]) -> Bool {
        let words = AnswerQuality.words(text)
        return words.contains(where: sexWords.contains) && !names.contains { !$0.isEmpty && sameName(text, $0) }
    }

    /// Whether the character's own words describe someone of another gender, or a child when
    /// they are grown (or a grandparent when they are a child): "I'm a little girl" from a man of
    /// 63. `gender` is the sheet's (its sex where it gives none).
    package static func contradictsSheet(_ text: String, gender: String, age: Int?) -> Bool {
        let words = AnswerQuality.words(text)
        let male = ["male", "man", "boy"].contains(gender.lowercased())
        let female = ["female", "woman", "girl"].contains(gender.lowercased())
        for noun in selfDescriptions(words) {
            if male, femaleNouns.contains(noun) { return true }
            if female, maleNouns.contains(noun) { return true }
            if let age, age >= 18, childNouns.contains(noun) { return true }
            if let age, age < 13, elderNouns.contains(noun) { return true }
        }
        return false
    }

    /// The two words after each "I'm a", "I am an", "I'm just a": what a speaker calls themselves
    /// now ("i'm a little girl" is read as i, m, a, little, girl). "As a boy, I…" is a memory.
    static func selfDescriptions(_ words: [String]) -> [String] {
        var found: [String] = []
        for index in words.indices {
            var next = index + 1
            switch words[index] {
            case "i":
                guard next < words.count, ["m", "am"].contains(words[next]) else { continue }
                next += 1
            case "im": break
            default: continue
            }
            while next < words.count, ["just", "only", "still", "now", "but"].contains(words[next]) { next += 1 }
            guard next < words.count, ["a", "an"].contains(words[next]) else { continue }
            // "I'm a mother's son" is a son: a word followed by the possessive's s is not the noun.
            let after = (next + 1)..<min(next + 3, words.count)
            found += after.filter { $0 + 1 >= words.count || words[$0 + 1] != "s" }.map { words[$0] }
        }
        return found
    }

    private static func letters(_ text: String) -> String {
        String(text.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    private static let femaleNouns: Set<String> = ["girl", "woman", "lady", "mother", "grandmother", "daughter", "wife", "sister", "maiden"]
    private static let maleNouns: Set<String> = ["boy", "man", "gentleman", "father", "grandfather", "son", "husband", "brother"]
    /// Nouns only: "I'm a little worried" and "I'm an old hand" say nothing of an age.
    private static let childNouns: Set<String> = ["child", "kid", "girl", "boy", "toddler", "baby"]
    private static let elderNouns: Set<String> = ["grandmother", "grandfather", "pensioner", "widow", "widower"]
    private static let ageWords: Set<String> = [
        "year", "years", "old", "young", "child", "teen", "teenage", "teenager", "adult", "middle", "aged", "elderly",
        "ancient", "ageless", "immortal", "unknown", "centuries", "decades", "twenties", "thirties", "forties",
        "fifties", "sixties", "seventies", "eighties", "nineties",
    ]
    private static let sexWords: Set<String> = [
        "male", "female", "man", "woman", "boy", "girl", "intersex", "none", "unknown", "neuter", "non", "binary",
        "nonbinary", "agender", "genderfluid", "genderqueer", "masculine", "feminine", "trans", "transgender",
    ]
}
