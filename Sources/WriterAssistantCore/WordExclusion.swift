/// GBNF for a word that is not one of some given words: how a new character's name is kept from
/// beginning as a story character's does, and an entry of an answer from opening with a label.
/// Words may also be excluded as beginnings (no word may start with them), a few characters kept
/// from starting a word, and ASCII case ignored.
///
/// The excluded words form a trie. A path through it may leave at any character the excluded words
/// do not continue with (and go on as any word), and may end anywhere except at the end of an
/// excluded word. Words the grammar's `word` rule could never write (too long, or holding a
/// character a word may not) need no excluding, and the number of words is bounded, so a hostile
/// story cannot make the grammar large.
struct WordExclusion {
    /// What a word of the answer grammars may not hold, as the body of a negated GBNF class: JSON's
    /// specials, spaces and controls, digits and punctuation.
    static let nonWordClass = #""\\ \x7F\x00-\x1F0-9{}\[\]<>,.;:!?()_=*#@/|~^&%$+"#
    static let longestWord = 30
    /// More names than a story would have; the rest go unexcluded.
    static let mostWords = 64

    /// The excluded first words, as Unicode scalars.
    let words: [[Unicode.Scalar]]
    /// Those of `words` that no word may even begin with (`suggestion` keeps out `suggestions'`).
    let beginnings: Set<[Unicode.Scalar]>
    /// Characters a word may not begin with, on top of what no word may hold.
    let forbiddenFirst: String
    /// Whether `SuggestIONS` is excluded with `suggestions` (letters whose other case is one
    /// character; words are then kept in lower case).
    let ignoringCase: Bool

    /// Excludes the first word of each of `names`, and every word that begins with one of
    /// `beginnings`; no word begins with one of `forbiddenFirst` (a GBNF class body).
    init(excluding names: [String], beginnings: [String] = [], forbiddenFirst: String = "", ignoringCase: Bool = false) {
        self.ignoringCase = ignoringCase
        let folded = { (text: String) in ignoringCase ? Array(text.unicodeScalars.map(Self.lowercased)) : Array(text.unicodeScalars) }
        var words: [[Unicode.Scalar]] = []
        for name in names + beginnings where words.count < Self.mostWords {
            guard let first = name.split(whereSeparator: \.isWhitespace).first else { continue }
            let scalars = folded(String(first))
            guard scalars.count <= Self.longestWord, scalars.allSatisfy(Self.isWordScalar), !words.contains(scalars) else { continue }
            words.append(scalars)
        }
        self.words = words
        self.beginnings = Set(beginnings.map(folded))
        self.forbiddenFirst = forbiddenFirst
    }

    /// A new character's first word: none of `names`' first words in any letter case, nor a
    /// name of several words run together or hyphenated (`MarenVell`, `Maren-Vell`), nor a first
    /// word without its punctuation (`OBrien`), nor one joined to more (`Ari-El`). First words
    /// come first, the other forms while there is room; `StoryNames.taken` checks the answer
    /// against every name.
    static func newName(excluding names: [String]) -> WordExclusion {
        var firstWords: [String] = []
        var otherForms: [String] = []
        var joined: [String] = []
        for name in names where firstWords.count < mostWords {
            // A hostile story's million-letter name is looked at no further than a word's length.
            let words = name.prefix(4 * longestWord).split(whereSeparator: \.isWhitespace).prefix(4).map(String.init)
            guard let first = words.first, first.unicodeScalars.count <= longestWord else { continue }
            firstWords.append(first)
            let bare = String(first.unicodeScalars.filter { $0.properties.isAlphabetic || $0.properties.numericType != nil })
            if bare != first { otherForms.append(bare) }
            // A name run together is kept out as a beginning: "TomasReyes-Councillor" is still his.
            if words.count > 1 { joined += [words.joined(), words.joined(separator: "-")] }
            if first.count >= 3 { joined += StoryNames.namePartJoiners.map { first + String($0) } }
        }
        return WordExclusion(excluding: firstWords + otherForms, beginnings: joined, ignoringCase: true)
    }

    /// Adds the rules to `rules` and returns the name of the one for the word, or nil when there
    /// is nothing to exclude.
    func rules(named name: String, into rules: inout [String]) -> String? {
        guard !words.isEmpty else { return nil }
        let tail = "\(name)tail"
        rules.append("\(tail) ::= [^\(Self.nonWordClass)]{0,\(Self.longestWord - 1)}")
        // Breadth-first over the trie: each node a rule, named by its number.
        var pending: [(rule: String, prefix: [Unicode.Scalar])] = [(name, [])]
        var made = 0
        while !pending.isEmpty {
            let (rule, prefix) = pending.removeFirst()
            let continuing = words.filter { $0.count > prefix.count && Array($0.prefix(prefix.count)) == prefix }
            var next: [Unicode.Scalar] = []
            for word in continuing where !next.contains(word[prefix.count]) { next.append(word[prefix.count]) }
            let others = next.map(cases).joined() + (prefix.isEmpty ? forbiddenFirst : "")
            var alternatives = ["[^\(Self.nonWordClass)\(others)] \(tail)"]
            for scalar in next where !beginnings.contains(prefix + [scalar]) {
                made += 1
                let child = "\(name)n\(made)"
                pending.append((child, prefix + [scalar]))
                let step = ignoringCase && Self.uppercased(scalar) != scalar ? "[\(cases(scalar))]" : JSONShape.literal(String(scalar))
                alternatives.append(step + " " + child)
            }
            // Ending here makes a word unless it is an excluded one (or empty).
            if !prefix.isEmpty, !words.contains(prefix) { alternatives.append(#""""#) }
            rules.append("\(rule) ::= " + alternatives.joined(separator: " | "))
        }
        return name
    }

    /// The scalar as a GBNF class body: with its upper case too when case is ignored.
    private func cases(_ scalar: Unicode.Scalar) -> String {
        let upper = Self.uppercased(scalar)
        return Self.classEscape(scalar) + (ignoringCase && upper != scalar ? Self.classEscape(upper) : "")
    }

    /// The scalar in lower case where that is one scalar too (`É` → `é`), as it is otherwise.
    private static func lowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        single(scalar.properties.lowercaseMapping) ?? scalar
    }

    private static func uppercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        single(scalar.properties.uppercaseMapping) ?? scalar
    }

    private static func single(_ mapping: String) -> Unicode.Scalar? {
        let scalars = mapping.unicodeScalars
        return scalars.count == 1 ? scalars.first : nil
    }

    /// Whether a word of the grammars may hold `scalar`.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.value > 0x1F, scalar.value != 0x7F, !scalar.properties.isWhitespace else { return false }
        return !#""\ 0123456789{}[]<>,.;:!?()_=*#@/|~^&%$+"#.unicodeScalars.contains(scalar)
    }

    /// A scalar inside a GBNF character class, as an escape llama.cpp's parser reads whatever it is.
    static func classEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return scalar.value <= 0xFFFF
            ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
    }
}
