import Foundation

/// The machine a measurement ran on, as reports name it: system, CPU, cores and memory.
package enum Machine {
    package static var description: String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let memory = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("MemTotal") }?
            .split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Double($0) }
            .map { String(format: "%.0f GiB", $0 / 1_048_576) } ?? "unknown memory"
        let system = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }?
            .dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) ?? "Linux"
        return "\(system), \(cpu), \(ProcessInfo.processInfo.activeProcessorCount) cores, \(memory)"
    }
}
