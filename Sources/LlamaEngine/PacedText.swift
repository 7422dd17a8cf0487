/// An answer's text, handed on at most once per interval rather than once per token.
///
/// Every delivery wakes the request's task and its connection's event loop. On a small machine
/// those wake-ups preempt the model's threads in the middle of a decode step, and the step waits
/// for them (docs/engine.md, "Continuous batching"). Twenty deliveries a second still read as
/// live to a person. The first text goes out at once.
struct PacedText {
    private var assembler = UTF8Assembler()
    private var pending = ""
    private var lastDelivery: ContinuousClock.Instant?
    private let interval: Duration

    init(interval: Duration) {
        self.interval = interval
    }

    /// The text due for delivery after adding `bytes`, or nil while it should wait.
    mutating func append(_ bytes: [UInt8], at now: ContinuousClock.Instant) -> String? {
        pending += assembler.append(bytes)
        guard !pending.isEmpty else { return nil }
        if let lastDelivery, now - lastDelivery < interval { return nil }
        lastDelivery = now
        defer { pending = "" }
        return pending
    }

    /// Everything not yet delivered, at the end of the answer.
    mutating func flush() -> String {
        defer { pending = "" }
        return pending + assembler.flush()
    }
}
