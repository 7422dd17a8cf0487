/// A measurement that could not be taken.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
}
