/// The value-against-a-deadline race, written once: `operation`'s value when it finishes within
/// `timeout`, nil when the timeout passes first. The loser is cancelled, and the call returns only
/// when both children have ended (structured). A cancelled caller ends the wait the same way as
/// the timeout (its sleep ends at once).
func value<T: Sendable>(of operation: @escaping @Sendable () async -> T, within timeout: Duration) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// As `value(of:within:)` above, for an operation that throws: its error is rethrown.
///
/// `onTimeout` runs when the deadline wins, before the race waits for the operation to end: an
/// operation that cancellation does not stop (a NIO future) is ended there (close its channel).
func value<T: Sendable>(
    of operation: @escaping @Sendable () async throws -> T, within timeout: Duration, onTimeout: () -> Void = {}
) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        if first == nil { onTimeout() }
        return first
    }
}
