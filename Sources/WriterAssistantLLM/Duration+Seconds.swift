extension Duration {
    /// The duration as fractional seconds, the unit the API reports times in.
    package var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
