import Foundation

extension Scheduler {
    /// Performs one claimed run exactly as the claim loop does — the job's registered handler
    /// with its ``JobContext``, the job's timeout on this scheduler's clock, thrown errors
    /// classified into one outcome — and returns the ending without recording it.
    ///
    /// This is the seam for driving the engine one step at a time without ``run()`` (the
    /// `SchedulerKitTesting` harness uses it): claim with ``JobStore/claimDueRuns(_:)``, perform
    /// each started run, then record the endings with ``JobStore/completeRuns(_:)``. The run is
    /// not tracked by a running claim loop, so nothing stops it early but its timeout.
    ///
    /// For example:
    /// ```swift
    /// let claim = try await store.claimDueRuns(ClaimParams(now: clock.now(), owner: scheduler.owner, maxStart: 10))
    /// var endings: [CompleteRunParams] = []
    /// for claimed in claim.started { endings.append(await scheduler.perform(claimed)) }
    /// let results = try await store.completeRuns(endings)
    /// ```
    ///
    /// - parameters:
    ///   - claimed: a run this scheduler's ``owner`` leased from the store.
    /// - returns: how the run ended, stamped with this scheduler's clock.
    public nonisolated func perform(_ claimed: ClaimedRun) async -> CompleteRunParams {
        await perform(claimed, stop: FirstOf<StopReason>())
    }
}
