/// A measurement that could not be taken.
package struct MeasurementFailure: Error, CustomStringConvertible {
    package var description: String

    package init(description: String) {
        self.description = description
    }
}
