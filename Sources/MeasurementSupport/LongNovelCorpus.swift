import Foundation
package import WriterAssistantAPI

/// Novels too long for any prompt here, generated from a seed: each has facts planted in its early
/// chapters and later plot points that depend on them, for measuring whether the prompt still
/// holds what a continuity critic needs.
package struct LongNovelCorpus: Sendable {
    /// A fact planted in one chapter, and a plot point long after that turns on it.
    package struct Probe: Sendable {
        package var novel: Int
        package var chapter: Int
        /// The planted paragraph, as written in the chapter.
        package var fact: String
        /// A word of the fact an answer that uses it would name (the place or the object).
        package var keyword: String
        package var plotPoint: String
    }

    package struct Novel: Sendable {
        package var title: String
        package var context: StructuredContext
    }

    package var novels: [Novel] = []
    package var probes: [Probe] = []

    /// `novels` novels of `chapters` chapters, about 450 tokens each, with `factsPerNovel` facts
    /// planted in chapters 2 to 8.
    package init(seed: UInt64 = 7, novels count: Int = 3, chapters: Int = 32, factsPerNovel: Int = 4) {
        var random = SeededGenerator(seed: seed)
        for index in 0..<count {
            let cast = Self.casts[index % Self.casts.count]
            var planted: [Int: String] = [:]
            var plantedProbes: [Probe] = []
            for (number, fact) in Self.facts(for: cast).prefix(factsPerNovel).enumerated() {
                let chapter = 2 + (number * 2) % 7
                planted[chapter] = (planted[chapter].map { $0 + "\n\n" } ?? "") + fact.text
                plantedProbes.append(Probe(
                    novel: index, chapter: chapter, fact: fact.text, keyword: fact.keyword, plotPoint: fact.plotPoint))
            }
            let written = (1...chapters).map { number in
                var paragraphs = (0..<7).map { _ in Self.paragraph(cast: cast, using: &random) }
                if let fact = planted[number] {
                    paragraphs.insert(fact, at: Int(random.next() % UInt64(paragraphs.count)))
                }
                return Chapter(number: number, title: "\(cast.place) \(number)", content: paragraphs.joined(separator: "\n\n"))
            }
            novels.append(Novel(title: "The \(cast.place) Chronicle", context: StructuredContext(
                worldbuilding: Worldbuilding(content: "A river valley of mills and ferries around \(cast.place)."),
                previousChapters: written,
                characters: cast.people.map { StoryCharacter(name: $0, basicBio: "Lives in \(cast.place).") })))
            probes += plantedProbes
        }
    }

    struct Cast {
        var place: String
        var people: [String]
    }

    static let casts = [
        Cast(place: "Harrowmere", people: ["Mara", "Ivo", "Tomas", "Elin"]),
        Cast(place: "Saltwick", people: ["Ari", "Bren", "Odile", "Cass"]),
        Cast(place: "Greyholt", people: ["Nell", "Piet", "Rowan", "Sefa"]),
    ]

    static func facts(for cast: Cast) -> [(text: String, keyword: String, plotPoint: String)] {
        let (a, b, c, d) = (cast.people[0], cast.people[1], cast.people[2], cast.people[3])
        return [
            ("\(b) drowned below the weir at the old tannery in the spring flood, and nobody in \(cast.place) spoke of it after.",
             "tannery", "Years later \(a) stands at the weir and finally asks how \(b) drowned."),
            ("\(c) hid the deed to the mill inside the hollow lantern that hangs over the chapel door.",
             "lantern", "\(a) searches the chapel for the missing deed to the mill."),
            ("\(d) is deathly afraid of bees since the swarm at the orchard burned her arms.",
             "orchard", "\(d) is asked to carry the beehives across the valley."),
            ("The ferryman swore an oath on the iron bell never to carry \(c) across the river again.",
             "bell", "\(c) needs the ferryman to take him across the river at night."),
        ]
    }

    static let sentences = [
        "{p} walked the towpath at dawn while the mist lifted off the water.",
        "The market in {place} smelled of wet wool, smoke and river fish.",
        "{p} counted the coins twice and still came up short for the rent.",
        "Rain drummed on the slate roofs until the gutters ran like streams.",
        "{p} laughed at something {q} said, though neither remembered it later.",
        "A cart lost a wheel by the bridge and half the street came to help.",
        "{q} mended a net by the fire and hummed an old song about the sea.",
        "The bells rang for evening and the shutters closed one by one.",
        "{p} wrote a letter, tore it up, and wrote it again more plainly.",
        "Geese crossed the grey sky heading south over the hills.",
        "{q} argued with the miller about the price of flour and lost.",
        "The children chased a dog through the square and out of sight.",
    ]

    static func paragraph(cast: Cast, using random: inout SeededGenerator) -> String {
        (0..<4).map { _ in
            let template = sentences[Int(random.next() % UInt64(sentences.count))]
            let p = cast.people[Int(random.next() % UInt64(cast.people.count))]
            let q = cast.people[Int(random.next() % UInt64(cast.people.count))]
            return template.replacingOccurrences(of: "{p}", with: p).replacingOccurrences(of: "{q}", with: q)
                .replacingOccurrences(of: "{place}", with: cast.place)
        }.joined(separator: " ")
    }
}
