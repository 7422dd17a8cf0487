/// Which cells of llama.cpp's unified cache pool each sequence holds, kept beside the pool so
/// admission can tell whether a request fits before a cell is written.
///
/// llama.cpp frees a cell once no sequence holds it. Cells are written by one sequence as it reads
/// or writes (a block of consecutive positions), and shared when another sequence copies a prefix
/// of it; every sequence's cells cover positions 0 up to its length. So a block's cells in use are
/// those from its first position to the furthest any sequence still reaches into it.
struct CellLedger: Equatable {
    private struct Run: Equatable {
        var block: Int
        /// Positions [start, end) of the block that the sequence holds.
        var start: Int
        var end: Int
    }

    /// Per sequence, its runs in position order, covering 0 up to its length.
    private var runs: [[Run]]
    /// Per sequence, the block it wrote last and may extend: no other sequence can reach past its end.
    private var growing: [Int?]
    private var nextBlock = 0

    init(sequences: Int) {
        runs = Array(repeating: [], count: sequences)
        growing = Array(repeating: nil, count: sequences)
    }

    func length(of sequence: Int) -> Int {
        runs[sequence].last?.end ?? 0
    }

    /// Cells held by at least one sequence.
    var usedCells: Int {
        var reach: [Int: (start: Int, end: Int)] = [:]
        for run in runs.joined() {
            let known = reach[run.block]
            reach[run.block] = (min(known?.start ?? run.start, run.start), max(known?.end ?? run.end, run.end))
        }
        return reach.values.reduce(0) { $0 + $1.end - $1.start }
    }

    /// Cells that would be freed if `sequence` kept only its first `length` positions.
    func cellsFreed(truncating sequence: Int, to length: Int) -> Int {
        var trimmed = self
        trimmed.truncate(sequence, to: length)
        return usedCells - trimmed.usedCells
    }

    /// The sequence evaluated `count` more positions (prompt or answer tokens, or a loaded state).
    mutating func append(_ count: Int, to sequence: Int) {
        guard count > 0 else { return }
        let end = length(of: sequence)
        if let block = growing[sequence], var last = runs[sequence].last, last.block == block {
            last.end += count
            runs[sequence][runs[sequence].count - 1] = last
        } else {
            let block = nextBlock
            nextBlock += 1
            runs[sequence].append(Run(block: block, start: end, end: end + count))
            growing[sequence] = block
        }
    }

    /// The sequence dropped every position from `length` on.
    mutating func truncate(_ sequence: Int, to length: Int) {
        guard length < self.length(of: sequence) else { return }
        runs[sequence] = Self.clip(runs[sequence], to: length)
        // Another sequence may still reach past the new end, so later positions are new cells.
        growing[sequence] = nil
    }

    /// `destination` drops what it held and shares the first `length` positions of `source`.
    mutating func copyPrefix(from source: Int, to destination: Int, length: Int) {
        runs[destination] = Self.clip(runs[source], to: length)
        growing[destination] = nil
    }

    /// The runs covering positions before `length`.
    private static func clip(_ runs: [Run], to length: Int) -> [Run] {
        runs.compactMap { run in
            guard run.start < length else { return nil }
            var kept = run
            kept.end = min(run.end, length)
            return kept
        }
    }
}
