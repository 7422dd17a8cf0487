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
        /// A word of the fact an answer that uses it would name (the place or the object), which
        /// the plot point does not: an answer cannot name it by echoing the request.
        package var keyword: String
        /// Words any of which show that a summary of the chapter kept the fact.
        package var traces: [String]
        package var plotPoint: String
        /// Whether the plot point names the fact's place or object, so that a search for it finds
        /// the planted paragraph; one that names only the people finds it at best by their names,
        /// among every other paragraph that names them.
        package var namesTheFact: Bool

        /// Whether a summary's text keeps the fact: a word of it is one of `traces` or one with an
        /// ending ("drowned" for "drown"; never "indeed" for "deed", nor "weird" for "weir").
        package func isTraced(in summary: String) -> Bool {
            Self.words(of: summary).contains { word in traces.contains { Self.word(word, isAFormOf: $0) } }
        }

        /// Whether an answer names the fact: a word of it is the keyword or the keyword with an
        /// ending.
        package func isNamed(in answer: String) -> Bool {
            Self.words(of: answer).contains { Self.word($0, isAFormOf: keyword) }
        }

        static func words(of text: String) -> [Substring] {
            text.lowercased().split { !$0.isLetter }
        }

        static let endings: Set<Substring> = ["s", "es", "ed", "ing", "er", "ers"]

        static func word(_ word: Substring, isAFormOf stem: String) -> Bool {
            word.hasPrefix(stem) && (word.count == stem.count || endings.contains(word.dropFirst(stem.count)))
        }
    }

    package struct Novel: Sendable {
        package var title: String
        package var context: StructuredContext
    }

    package var novels: [Novel] = []
    /// The continuity critic every long-novel measurement asks.
    package static let continuityRater = "You check continuity: does the plot point agree with what the earlier chapters established?"

    /// Every fact's traces, in italics, for a report to say what counts as keeping a fact.
    package static var traceList: String {
        facts(for: casts[0]).flatMap(\.traces).map { "*\($0)*" }.joined(separator: ", ")
    }

    /// Every fact's keyword, in italics, for a report to say what counts as naming a fact.
    package static var keywordList: String {
        facts(for: casts[0]).map { "*\($0.keyword)*" }.joined(separator: ", ")
    }

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

    /// Where a planted fact stands in its chapter.
    package enum Planting: Sendable, CaseIterable {
        /// A paragraph of one sentence of its own, in chapters of short paragraphs (about 60
        /// tokens each): a search that finds it quotes little else.
        case ownParagraph
        /// One sentence among eight in a paragraph of about 140 tokens, as a novel's paragraphs
        /// run: quoting it costs the room of the whole paragraph.
        case insideParagraph
    }

    /// `novels` novels of `chapters` chapters with `factsPerNovel` facts planted in chapters 2 to
    /// 8; chapters run to about 450 tokens with facts of their own paragraphs, about 900 with
    /// facts inside paragraphs.
    package init(
        seed: UInt64 = 7, novels count: Int = 3, chapters: Int = 32, factsPerNovel: Int = 4, planting: Planting = .ownParagraph
    ) {
        var random = SeededGenerator(seed: seed)
        for index in 0..<count {
            let cast = Self.casts[index % Self.casts.count]
            var planted: [Int: [String]] = [:]
            var plantedProbes: [Probe] = []
            var unnamed: [Probe] = []
            for (number, fact) in Self.facts(for: cast).prefix(factsPerNovel).enumerated() {
                let chapter = 2 + (number * 2) % 7
                planted[chapter, default: []].append(fact.text)
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
                let content = switch planting {
                case .ownParagraph: Self.chapter(cast: cast, planting: planted[number], using: &random)
                case .insideParagraph: Self.chapter(cast: cast, setting: planted[number] ?? [], using: &random)
                }
                return Chapter(number: number, title: "\(cast.place) \(number)", content: content)
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
                keyword: "tannery", traces: ["drown", "weir", "tannery"],
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
                plotPoint: "\(d) is asked to carry the hives of bees across the valley.",
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

    static let sentenceTemplates = [
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

    /// Seven paragraphs of four sentences, with the chapter's facts as one paragraph among them.
    static func chapter(cast: Cast, planting facts: [String]?, using random: inout SeededGenerator) -> String {
        var paragraphs = (0..<7).map { _ in paragraph(cast: cast, using: &random) }
        if let facts {
            paragraphs.insert(facts.joined(separator: "\n\n"), at: Int(random.next() % UInt64(paragraphs.count)))
        }
        return paragraphs.joined(separator: "\n\n")
    }

    /// Seven paragraphs of eight sentences, each of the chapter's facts set among the sentences
    /// of one of them.
    static func chapter(cast: Cast, setting facts: [String], using random: inout SeededGenerator) -> String {
        var paragraphs = (0..<7).map { _ in sentences(8, cast: cast, using: &random) }
        for fact in facts {
            let paragraph = Int(random.next() % UInt64(paragraphs.count))
            paragraphs[paragraph].insert(fact, at: Int(random.next() % UInt64(paragraphs[paragraph].count + 1)))
        }
        return paragraphs.map { $0.joined(separator: " ") }.joined(separator: "\n\n")
    }

    static func paragraph(cast: Cast, using random: inout SeededGenerator) -> String {
        sentences(4, cast: cast, using: &random).joined(separator: " ")
    }

    static func sentences(_ count: Int, cast: Cast, using random: inout SeededGenerator) -> [String] {
        (0..<count).map { _ in
            let template = sentenceTemplates[Int(random.next() % UInt64(sentenceTemplates.count))]
            let p = cast.people[Int(random.next() % UInt64(cast.people.count))]
            let q = cast.people[Int(random.next() % UInt64(cast.people.count))]
            return template.replacingOccurrences(of: "{p}", with: p).replacingOccurrences(of: "{q}", with: q)
                .replacingOccurrences(of: "{place}", with: cast.place)
        }
    }
}
