/// Lets one task through at a time, in the order they came: the single SQLite connection runs one
/// caller's statements, or its whole transaction, before the next caller's.
actor Turnstile {
    private var occupied = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard occupied else {
            occupied = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            occupied = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
