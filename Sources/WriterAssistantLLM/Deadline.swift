/// Runs `work`, or cancels it and throws `failure` once `limit` has passed: the one race between
/// work and a clock for every part that bounds how long it waits (a generation, a model server's
/// check, a model that is stopping).
public func withDeadline<T: Sendable>(
    _ limit: Duration, else failure: some Error & Sendable, _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask(operation: work)
        group.addTask {
            try await Task.sleep(for: limit)
            throw failure
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CancellationError() }
        return first
    }
}
