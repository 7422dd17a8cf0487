/// The names of this machine's loopback interface, as hosts to listen on, `Host` headers and
/// model-server addresses write them.
package enum LoopbackHost {
    /// The names a loopback server answers to by default.
    static let names = ["127.0.0.1", "localhost", "::1"]

    /// Whether `host` (a name or address, IPv6 with or without brackets) is this machine's loopback.
    package static func contains(_ host: String) -> Bool {
        (names + ["[::1]"]).contains(host.lowercased())
    }
}
