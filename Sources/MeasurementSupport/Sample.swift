import Foundation

/// Median with range, the way every figure is reported.
package struct Sample: CustomStringConvertible {
    package init(values: [Double]) {
        self.values = values
    }

    package var values: [Double]

    /// Run-for-run ratios of paired measurements.
    package static func ratios(_ numerators: [Double], _ denominators: [Double]) -> Sample {
        Sample(values: zip(numerators, denominators).map { $0 / $1 })
    }

    package var median: Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    package func formatted(_ format: String = "%.2f") -> String {
        let sorted = values.sorted()
        return "\(String(format: format, median)) (\(String(format: format, sorted.first ?? 0))–\(String(format: format, sorted.last ?? 0)))"
    }

    package var description: String { formatted() }
}
