/// How the reports write a count out of a total and a median of counts, the same in every table.
package enum ReportFigures {
    /// "9 of 12 (75 %)", or a dash when nothing was counted.
    package static func share(_ count: Int, of total: Int) -> String {
        total == 0 ? "–" : "\(count) of \(total) (\(Int((Double(count) / Double(total) * 100).rounded())) %)"
    }

    /// The median, rounded to a whole number, or a dash when there is none.
    package static func median(_ values: [Int]) -> String {
        values.isEmpty ? "–" : String(Int(Sample(values: values.map(Double.init)).median.rounded()))
    }
}
