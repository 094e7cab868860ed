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

    private func observableStore() throws(SchedulerError) -> any JobStore & ObservationStore & SchedulerRegistry {
        try StoreAbilities.require(abilities.observed, .observation)
    }

    /// The failure report of `job` (name or id) over the `window` seconds before now.
    ///
    /// For example:
    /// ```swift
    /// let report = try await client.report(job: "backup", window: 24 * 3600)
    /// ```
    ///
    /// - parameters:
    ///   - job: the job's name or id.
    ///   - window: seconds before now the report covers.
    ///   - failures: how many of the latest failures to include (default 5).
    /// - throws: `.notFound` for an unknown job, `.refused` for a store without ``ObservationStore``.
    public func report(job: String, window: Double, failures: Int = 5) async throws -> FailureReport {
        try await FailureReport.make(store: store, job: job, window: window, now: clock.now(), failures: failures)
    }
}
