import Synchronization

/// The generations a peer is sent at once: `acquire` waits, first come first served, until one
/// of `count` places is free. Waiting here rather than in the HTTP client's connection pool
/// matters: the pool gives up on a request that waited longer than its connect timeout, which
/// would fail a queued generation as if the peer were away.
final class GenerationSlots: Sendable {
    private struct State {
        var capacity: Int
        /// May go below zero after a resize down, until enough places are given back.
        var free: Int
        var waiting: [(id: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(_ count: Int) {
        state = Mutex(State(capacity: max(1, count), free: max(1, count)))
    }

    /// Returns once a place is this caller's; throws `CancellationError` if the task is cancelled
    /// while it waits (and then holds no place).
    func acquire() async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Deciding and queueing under one lock, so that no release falls between them.
                let outcome = state.withLock { state -> Result<Bool, CancellationError> in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if state.free > 0 {
                        state.free -= 1
                        return .success(true)
                    }
                    state.waiting.append((id, continuation))
                    return .success(false)
                }
                switch outcome {
                case .success(true): continuation.resume()
                case .success(false): break
                case .failure(let error): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Gives a place back: to the longest waiting caller, or to the free ones.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            if state.waiting.isEmpty || state.free < 0 {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst().continuation
        }
        next?.resume()
    }

    /// Makes `count` places in all (a peer found to take fewer, or more, than first assumed):
    /// waiting callers take any new ones; places given up beyond the new count are not reused.
    func resize(to count: Int) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.free += max(1, count) - state.capacity
            state.capacity = max(1, count)
            var woken: [CheckedContinuation<Void, any Error>] = []
            while state.free > 0, !state.waiting.isEmpty {
                state.free -= 1
                woken.append(state.waiting.removeFirst().continuation)
            }
            return woken
        }
        woken.forEach { $0.resume() }
    }

    /// Generations sent at once: as made, or as last resized (at least one).
    var capacity: Int { state.withLock { $0.capacity } }

    /// Callers waiting for a place.
    var waiting: Int { state.withLock { $0.waiting.count } }
}
