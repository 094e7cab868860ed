import Foundation

extension SchedulerClient {
    /// Runs the health checks of SPEC §5 on the client's store, at the client's clock.
    ///
    /// - throws: `.refused` when the store cannot be observed; `SchedulerError` from the store.
    public func healthFindings() async throws -> [HealthFinding] {
        try await HealthChecks(store: observableStore(), clock: clock).run()
    }

    /// The metrics of SPEC §5 as read from the store (what `schedctl metrics` prints).
    ///
    /// - throws: `.refused` when the store cannot be observed; `SchedulerError` from the store.
    public func metricsSnapshot() async throws -> MetricsSnapshot {
        try await MetricsSnapshot.take(store: observableStore(), now: clock.now())
    }

    private func observableStore() throws -> any JobStore & ObservationStore & SchedulerRegistry {
        guard let store = store as? any JobStore & ObservationStore & SchedulerRegistry else {
            throw SchedulerError(.refused, "this store cannot be observed (no health checks or metrics)")
        }
        return store
    }
}
