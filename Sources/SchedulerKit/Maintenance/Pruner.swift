import Foundation
import Logging

/// Retention: deletes old history in small batches and gives the space back.
///
/// One pass (``runOnce()``) deletes, each in batches of ``Configuration/batchSize`` rows, one
/// short write transaction per batch with a pause between batches:
/// 1. finished runs older than ``Configuration/maxAge``, with their artifacts and artifact files;
/// 2. finished runs beyond the newest ``Configuration/keepPerJob`` of each job (deleted jobs
///    included);
/// 3. `delivered`, `failed` and `dead` deliveries older than `maxAge`;
/// 4. audit entries older than `maxAge`;
/// 5. artifact files no artifact refers to (left by a crash);
///
/// then reclaims the freed pages (`incremental_vacuum`) in steps. `queued` and `running` runs
/// and `pending` deliveries are never deleted. A run's age is its creation time (its id).
///
/// Same shape as every background service: a configuration with defaults, `runOnce()` that
/// returns what it did (tests call it directly), and a loop the ``Scheduler`` runs.
///
/// For example:
/// ```swift
/// var configuration = Pruner.Configuration()
/// configuration.maxAge = 7 * 86_400
/// let report = try await Pruner(store: store, clock: SystemClock(), configuration: configuration).runOnce()
/// print("removed \(report.runs) runs")
/// ```
public struct Pruner: Sendable, PeriodicService {
    /// Settings of the pruner, with their defaults.
    public struct Configuration: Sendable, Hashable {
        /// Seconds after which runs, deliveries and audit entries are deleted (default 30 days);
        /// nil keeps them whatever their age.
        public var maxAge: Double? = 30 * 86_400
        /// Finished runs kept per job, newest first (default 1,000); nil for no limit.
        public var keepPerJob: Int? = 1_000
        /// Rows deleted per transaction at most (default 200). Bounds how long one batch holds
        /// the write lock (see `Docs/Decisions/0010-artifacts-and-retention.md`).
        public var batchSize = 200
        /// Real seconds between two batches (default 0.01), so claims and other processes get
        /// the write lock in between.
        public var pauseBetweenBatches: Double = 0.01
        /// Pages given back to the file system per step at most (default 250: 1 MiB).
        public var reclaimPagesPerStep = 250
        /// Seconds an unreferenced artifact file must have existed before it is removed
        /// (default 1 hour), so a save in progress is never mistaken for a leftover.
        public var orphanFileGrace: Double = 3_600
        /// Seconds between passes of the scheduler's loop (default 1 hour).
        public var interval: Double = 3_600
        /// Seconds after the scheduler starts before its first pass (default 60), so a daemon
        /// that restarts often still prunes, without slowing its start.
        public var initialDelay: Double = 60

        public init() {}
    }

    public let store: any PrunableStore
    public let clock: any SchedulerClock
    public var configuration: Configuration

    public init(store: any PrunableStore, clock: any SchedulerClock, configuration: Configuration = Configuration()) {
        self.store = store
        self.clock = clock
        self.configuration = configuration
    }

    /// One pass: deletes what is past retention and reclaims the space.
    ///
    /// - returns: what was removed, and the database size before and after.
    /// - throws: `SchedulerError` from the store; batches already committed stay deleted.
    @discardableResult
    public func runOnce() async throws -> PruneReport {
        let c = configuration
        let batch = max(1, c.batchSize)
        let now = clock.now()
        var report = PruneReport()
        let before = try await store.storageSize()
        report.bytesBefore = before.bytes

        if let maxAge = c.maxAge {
            let cutoff = now.addingTimeInterval(-maxAge)
            while true {
                let r = try await store.pruneRuns(before: cutoff, limit: batch)
                report.add(r, byAge: true)
                if r.runs < batch { break }
                try await pause()
            }
        }
        if let keep = c.keepPerJob {
            var next: JobID?
            repeat {
                let r = try await store.pruneRunsBeyond(keep: keep, limit: batch, fromJob: next)
                report.add(r, byAge: false)
                next = r.nextJob
                if r.runs > 0 { try await pause() }
            } while next != nil
        }
        if let maxAge = c.maxAge {
            let cutoff = now.addingTimeInterval(-maxAge)
            while true {
                let n = try await store.pruneDeliveries(before: cutoff, limit: batch)
                report.deliveries += n
                if n < batch { break }
                try await pause()
            }
            while true {
                let n = try await store.pruneAudit(before: cutoff, limit: batch)
                report.auditEntries += n
                if n < batch { break }
                try await pause()
            }
        }
        report.artifactFiles += try await store.pruneOrphanArtifactFiles(before: now.addingTimeInterval(-c.orphanFileGrace))

        if c.reclaimPagesPerStep > 0 {
            while true {
                // Read each time: a step also drops pointer-map pages, so the file shrinks by more
                // than the free pages it reclaims.
                let free = try await store.storageSize().freePages
                if free == 0 { break }
                let freed = try await store.reclaimSpace(pages: min(free, c.reclaimPagesPerStep))
                report.pagesReclaimed += freed
                // Nothing freed: the file was not created with incremental auto-vacuum.
                if freed <= 0 { break }
                try await pause()
            }
        }
        report.bytesAfter = try await store.storageSize().bytes
        return report
    }

    private func pause() async throws {
        try Task.checkCancellation()
        let seconds = configuration.pauseBetweenBatches
        if seconds > 0 {
            try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
        } else {
            await Task.yield()
        }
    }

    /// Passes after `initialDelay`, then every `interval`, until cancelled; reports each pass
    /// and each error.
    func loop(logger: Logger, onPruned: @Sendable (PruneReport) -> Void, onError: @Sendable (SchedulerError) -> Void) async {
        await runPeriodically(
            onPass: { report in
                if report.removedAnything {
                    logger.info(
                        "pruned history",
                        metadata: [
                            "runs": "\(report.runs)", "artifacts": "\(report.artifacts)", "deliveries": "\(report.deliveries)",
                            "audit_entries": "\(report.auditEntries)", "pages_reclaimed": "\(report.pagesReclaimed)",
                        ])
                }
                onPruned(report)
            }, onError: { onError(SchedulerError(wrapping: $0)) })
    }

    var firstDelay: Double { configuration.initialDelay }
    var interval: Double { configuration.interval }
}

/// What one ``Pruner`` pass removed.
public struct PruneReport: Sendable, Hashable {
    /// Runs deleted, by age and by count.
    public var runs = 0
    /// Of ``runs``: deleted for their age.
    public var runsByAge = 0
    /// Of ``runs``: deleted for being beyond the newest `keepPerJob` of their job.
    public var runsByCount = 0
    /// Artifacts deleted with their runs.
    public var artifacts = 0
    /// Artifact files removed: those of deleted artifacts, and leftovers no artifact refers to.
    public var artifactFiles = 0
    public var deliveries = 0
    public var auditEntries = 0
    /// Pages the database file shrank by.
    public var pagesReclaimed = 0
    /// The database's size before the pass (pages × page size).
    public var bytesBefore: Int64 = 0
    /// The database's size after the pass.
    public var bytesAfter: Int64 = 0

    public init() {}

    /// Whether the pass deleted or reclaimed anything.
    public var removedAnything: Bool {
        runs + artifactFiles + deliveries + auditEntries + pagesReclaimed > 0
    }

    mutating func add(_ r: RunPruneResult, byAge: Bool) {
        runs += r.runs
        if byAge { runsByAge += r.runs } else { runsByCount += r.runs }
        artifacts += r.artifacts
        artifactFiles += r.artifactFiles
    }
}
