import Foundation

extension SchedulerClient {
    /// Runs one ``Pruner`` pass now: deletes runs (with their artifacts), finished deliveries and
    /// audit entries past retention, then reclaims the space.
    ///
    /// For example:
    /// ```swift
    /// var retention = Pruner.Configuration()
    /// retention.maxAge = 7 * 86_400
    /// let report = try await client.prune(retention)
    /// ```
    ///
    /// - parameters:
    ///   - configuration: what to keep (default: 30 days, 1,000 runs per job).
    /// - returns: what was removed.
    /// - throws: `.refused` when the store cannot be pruned; `SchedulerError` from the store.
    @discardableResult
    public func prune(_ configuration: Pruner.Configuration = Pruner.Configuration()) async throws -> PruneReport {
        let store = try StoreAbilities.require(abilities.pruning, .pruning)
        return try await Pruner(store: store, clock: clock, configuration: configuration).runOnce()
    }
}
