import Foundation
import WriterAssistantAPI
import WriterAssistantLLM

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of one or more requests (raters of a panel, or one operation) on standard error: lines redrawn in place on a terminal, a plain
/// log of phase changes otherwise (so piped output and CI logs stay readable).
final class ProgressDisplay {
    private let names: [String]
    private var lines: [String]
    private let started = ContinuousClock.now
    private let live: Bool
    private var drawn = false

    init(names: [String]) {
        self.names = names
        lines = names.map { "\($0): waiting" }
        live = isatty(STDERR_FILENO) == 1
    }

    func update<Result>(_ index: Int, with event: OperationEvent<Result>) {
        let elapsed = String(format: "%5.1fs", (ContinuousClock.now - started).inSeconds)
        let line: String
        switch event {
        case .status(let phase, let message, let progress, let round):
            let step = round.map { " round \($0.number)/\($0.maxRounds) \($0.step.rawValue)" } ?? ""
            line = "\(names[index]): [\(bar(progress))] \(String(format: "%3d", progress))% \(phase.rawValue)\(step)  \(elapsed)"
            if !live { write("\(elapsed) \(names[index]): \(progress)% \(phase.rawValue)\(step) - \(message)\n") }
        case .token:
            return
        case .result:
            line = "\(names[index]): done  \(elapsed)"
        case .error(let message, let code):
            line = "\(names[index]): failed: \(message) [\(code)]"
            if !live { write("\(elapsed) \(names[index]): error \(code): \(message)\n") }
        }
        lines[index] = line
        redraw()
    }

    private func redraw() {
        guard live else { return }
        var output = drawn ? "\u{1B}[\(lines.count)A" : ""
        for line in lines { output += "\r\u{1B}[2K\(line)\n" }
        drawn = true
        write(output)
    }

    private func bar(_ progress: Int) -> String {
        let filled = progress / 5
        return String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
