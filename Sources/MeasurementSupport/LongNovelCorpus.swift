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
        /// Words any of which show that a summary of the chapter kept the fact.
        package var traces: [String]
        package var plotPoint: String
        /// Whether the plot point names the fact's place or object, so that a search for it finds
        /// the planted paragraph; one that names only the people finds it at best by their names,
        /// among every other paragraph that names them.
        package var namesTheFact: Bool

        /// Whether a summary's text keeps the fact: a word of it begins with one of `traces`
        /// ("drowned" for "drown", never "indeed" for "deed").
        package func isTraced(in summary: String) -> Bool {
            summary.lowercased().split { !$0.isLetter }.contains { word in traces.contains { word.hasPrefix($0) } }
        }
    }

    package struct Novel: Sendable {
        package var title: String
        package var context: StructuredContext
    }

    package var novels: [Novel] = []
    /// Plot points that name what they depend on.
    package var probes: [Probe] = []
    /// The same facts, asked about by plot points that name only the people: what a critic needs
    /// a summary for.
    package var unnamedProbes: [Probe] = []
    /// Plot points that name two or all four of a novel's facts, each of which the prompt must
    /// hold: what measures the room passages need.
    package var combinedProbes: [Combined] = []

    /// A plot point that turns on several planted facts at once.
    package struct Combined: Sendable {
        package var novel: Int
        package var facts: [Probe]
        package var plotPoint: String
    }

    /// `novels` novels of `chapters` chapters, about 450 tokens each, with `factsPerNovel` facts
    /// planted in chapters 2 to 8.
    package init(seed: UInt64 = 7, novels count: Int = 3, chapters: Int = 32, factsPerNovel: Int = 4) {
        var random = SeededGenerator(seed: seed)
        for index in 0..<count {
            let cast = Self.casts[index % Self.casts.count]
            var planted: [Int: String] = [:]
            var plantedProbes: [Probe] = []
            var unnamed: [Probe] = []
            for (number, fact) in Self.facts(for: cast).prefix(factsPerNovel).enumerated() {
                let chapter = 2 + (number * 2) % 7
                planted[chapter] = (planted[chapter].map { $0 + "\n\n" } ?? "") + fact.text
                let probe = Probe(
                    novel: index, chapter: chapter, fact: fact.text, keyword: fact.keyword, traces: fact.traces,
                    plotPoint: fact.plotPoint, namesTheFact: true)
                plantedProbes.append(probe)
                var oblique = probe
                oblique.plotPoint = fact.unnamedPlotPoint
                oblique.namesTheFact = false
                unnamed.append(oblique)
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
            unnamedProbes += unnamed
            combinedProbes += Self.combined(plantedProbes, cast: cast).map { Combined(novel: index, facts: $0.facts, plotPoint: $0.plotPoint) }
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

    struct Fact {
        var text: String
        var keyword: String
        var traces: [String]
        var plotPoint: String
        /// A plot point that turns on the fact without a word of it but the people's names.
        var unnamedPlotPoint: String
    }

    static func facts(for cast: Cast) -> [Fact] {
        let (a, b, c, d) = (cast.people[0], cast.people[1], cast.people[2], cast.people[3])
        return [
            Fact(
                text: "\(b) drowned below the weir at the old tannery in the spring flood, and nobody in \(cast.place) spoke of it after.",
                keyword: "tannery", traces: ["drown", "weir", "tannery", "flood"],
                plotPoint: "Years later \(a) stands at the weir and finally asks how \(b) drowned.",
                unnamedPlotPoint: "\(a) lays flowers for \(b) and will not say why."),
            Fact(
                text: "\(c) hid the deed to the mill inside the hollow lantern that hangs over the chapel door.",
                keyword: "lantern", traces: ["deed", "lantern", "chapel"],
                plotPoint: "\(a) searches the chapel for the missing deed to the mill.",
                unnamedPlotPoint: "\(a) must prove to the magistrate who owns the family's grinding business."),
            Fact(
                text: "\(d) is deathly afraid of bees since the swarm at the orchard burned her arms.",
                keyword: "orchard", traces: ["bees", "swarm", "orchard"],
                plotPoint: "\(d) is asked to carry the beehives across the valley.",
                unnamedPlotPoint: "\(d) volunteers to gather honey from the hives in the high meadow."),
            Fact(
                text: "The ferryman swore an oath on the iron bell never to carry \(c) across the river again.",
                keyword: "bell", traces: ["oath", "ferryman", "swore"],
                plotPoint: "\(c) needs the ferryman to take him across the river at night.",
                unnamedPlotPoint: "\(c) waits at the landing after dark for a boat to take him over the water."),
        ]
    }

    /// Two plot points naming two facts each, and one naming all four, each fact by a word of its
    /// paragraph (the search matches words as written: "beehives" does not find "bees").
    static func combined(_ probes: [Probe], cast: Cast) -> [(facts: [Probe], plotPoint: String)] {
        guard probes.count == 4 else { return [] }
        let (a, b, c, d) = (cast.people[0], cast.people[1], cast.people[2], cast.people[3])
        return [
            ([probes[0], probes[1]], "On the anniversary of the day \(b) drowned at the weir, \(a) searches the chapel for the deed to the mill."),
            ([probes[2], probes[3]], "\(d) carries a hive of bees to the river, where \(c) begs the ferryman to take him across."),
            (probes, "The night \(c) needs the ferryman, \(a) searches the chapel for the deed, \(d) carries a hive of bees past the weir, "
                + "and someone finally asks how \(b) drowned."),
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
