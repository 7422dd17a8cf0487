import Foundation

/// Puts one section into a report written earlier, in place of the section with the same heading
/// (or at its end), leaving the rest as it was measured.
package enum ReportSection {
    package static func replace(_ headingPrefix: String, with section: String, in path: String) throws {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var lines = existing.components(separatedBy: "\n")
        if let start = lines.firstIndex(where: { $0.hasPrefix(headingPrefix) }) {
            let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.endIndex
            lines.replaceSubrange(start..<end, with: section.components(separatedBy: "\n"))
        } else {
            // One blank line between the report's end and the new section, however the file ended.
            while lines.last == "" { lines.removeLast() }
            lines += [""] + section.components(separatedBy: "\n")
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
