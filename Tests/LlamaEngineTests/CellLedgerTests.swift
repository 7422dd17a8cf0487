import Testing
@testable import LlamaEngine

/// The mirror of llama.cpp's unified pool that admission counts on: a cell is used while any
/// sequence holds it.
@Suite struct CellLedgerTests {
    @Test func cellsWrittenBySequencesAddUp() {
        var ledger = CellLedger(sequences: 3)
        ledger.append(100, to: 0)
        ledger.append(20, to: 0)
        ledger.append(50, to: 1)
        #expect(ledger.length(of: 0) == 120)
        #expect(ledger.usedCells == 170)
    }

    @Test func aCopiedPrefixSharesCellsUntilEveryHolderDropsThem() {
        var ledger = CellLedger(sequences: 3)
        ledger.append(1000, to: 0)
        ledger.copyPrefix(from: 0, to: 1, length: 900)
        ledger.append(30, to: 1)
        #expect(ledger.length(of: 1) == 930)
        #expect(ledger.usedCells == 1030, "the story once, plus the second rater's own tokens")

        // The source drops its cells; the copy keeps the first 900 alive.
        #expect(ledger.cellsFreed(truncating: 0, to: 0) == 100)
        ledger.truncate(0, to: 0)
        #expect(ledger.usedCells == 930)
        ledger.truncate(1, to: 0)
        #expect(ledger.usedCells == 0)
    }

    @Test func aSequenceWritingAgainAfterItWasCutUsesNewCells() {
        var ledger = CellLedger(sequences: 2)
        ledger.append(100, to: 0)
        ledger.copyPrefix(from: 0, to: 1, length: 100)
        // Sequence 0 keeps 50 and writes 10 more: positions 50-99 stay held by sequence 1.
        ledger.truncate(0, to: 50)
        ledger.append(10, to: 0)
        #expect(ledger.usedCells == 110)
        #expect(ledger.cellsFreed(truncating: 1, to: 0) == 50)
    }

    @Test func aSourceGrowingAfterACopyDoesNotGrowTheCopy() {
        var ledger = CellLedger(sequences: 2)
        ledger.append(100, to: 0)
        ledger.copyPrefix(from: 0, to: 1, length: 80)
        ledger.append(20, to: 0)
        ledger.append(5, to: 1)
        #expect(ledger.length(of: 0) == 120)
        #expect(ledger.length(of: 1) == 85)
        #expect(ledger.usedCells == 125)
        #expect(ledger.cellsFreed(truncating: 0, to: 0) == 40, "the copy holds the first 80")
    }
}
