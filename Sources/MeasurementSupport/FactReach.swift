package import WriterAssistantAPI

/// Whether the facts a plot point turns on reach the prompt a preview shows: each fact's planted
/// sentence quoted verbatim in a part the model reads, or the summary read in its chapter's place
/// keeping it.
package struct FactReach: Sendable, Equatable {
    /// For each fact, in order: its sentence is in a part read whole, quoted or summarised.
    package var quoted: [Bool]
    /// For each fact, in order: the summary of its chapter is read and keeps it.
    package var summarised: [Bool]

    package init(_ facts: [LongNovelCorpus.Probe], in preview: PromptPreview) {
        let read = preview.sections.filter { $0.treatment != .omitted }
        quoted = facts.map { fact in read.contains { ($0.text ?? "").contains(fact.fact) } }
        summarised = facts.map { fact in
            read.contains { section in
                section.treatment == .summary && section.chapter == fact.chapter && fact.isTraced(in: section.text ?? "")
            }
        }
    }

    /// Every fact reaches the prompt one way or the other.
    package var reached: Bool {
        zip(quoted, summarised).allSatisfy { $0 || $1 }
    }

    /// Every fact reaches it, and at least one only because a summary kept it.
    package var onlyThroughASummary: Bool {
        reached && zip(quoted, summarised).contains { !$0 && $1 }
    }
}
