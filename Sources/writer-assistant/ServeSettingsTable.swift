import ArgumentParser
import Foundation

/// The settings table of docs/configuration.md, made from the settings' declarations
/// (`ServeSetting`), and the command that rewrites it there. A test fails while the file's
/// table differs from the declarations.
enum ServeSettingsTable {
    static let begin = "<!-- The settings table is generated from ServeSetting.swift: run `make settings-table` after changing a setting. -->"
    static let end = "<!-- End of the generated settings table. -->"

    /// One table per part of the server, each setting with its flag, variable and default.
    static var markdown: String {
        var lines: [String] = []
        for component in ServeSetting.Component.allCases {
            let keys = ServeKey.allCases.filter { $0.setting.component == component }
            guard !keys.isEmpty else { continue }
            lines += ["", "### \(component.rawValue)", "", "| flag | variable | default | |", "|---|---|---|---|"]
            for key in keys {
                let setting = key.setting
                let flag = setting.valueName.map { "\(key.flag) \($0)" } ?? key.flag
                let text = cell(setting.help + (setting.bound.map { "; must be \($0.says)" } ?? ""))
                    + (setting.more.map { "; see " + $0 } ?? "")
                lines.append("| `\(flag)` | `\(key.environmentVariable)` | \(cell(setting.defaultInDocs)) | \(text) |")
            }
        }
        return lines.dropFirst().joined(separator: "\n")
    }

    /// `document` with the text between the markers replaced by the table; nil without markers.
    static func splice(into document: String) -> String? {
        guard let start = document.range(of: begin), let stop = document.range(of: end, range: start.upperBound..<document.endIndex) else {
            return nil
        }
        return String(document[..<start.upperBound]) + "\n\n" + markdown + "\n\n" + String(document[stop.lowerBound...])
    }

    /// Text safe in a table cell: a bar would end it, and `*` could start emphasis.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "*", with: "\\*")
    }
}

/// Rewrites the settings table of a document (docs/configuration.md) from the declarations.
struct SettingsTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings-table", abstract: "Rewrite the settings table of docs/configuration.md.", shouldDisplay: false)

    @Argument(help: "The document holding the table's markers.")
    var document: String

    func run() throws {
        let text = try String(contentsOfFile: document, encoding: .utf8)
        guard let updated = ServeSettingsTable.splice(into: text) else {
            throw ValidationError("\(document) has no settings table markers.")
        }
        try updated.write(toFile: document, atomically: true, encoding: .utf8)
    }
}
