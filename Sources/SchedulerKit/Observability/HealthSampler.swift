import Foundation
import Logging

/// Keeps a scheduler's liveness record fresh and samples the gauges that need the store.
///
/// Every `interval` it ticks the scheduler's ``SchedulerInstance`` record (re-registering it if
/// someone removed it) and, when metrics are enabled, sets the jobs-by-status gauge and makes
/// sure the zero series exist (``SchedulerMetrics/prepareSeries()``).
///
/// Same shape as every background service: a configuration with defaults, `runOnce()` that
/// returns what it did (tests call it directly), and a loop.
public struct HealthSampler: Sendable, PeriodicService {
    /// Settings of the sampler.
    public struct Configuration: Sendable {
        /// Seconds between ticks (default 10). Health checks call a scheduler dead after
        /// `HealthChecks.Thresholds.missedTicks` (default 3) intervals without one.
        public var interval: Double = 10
        public init() {}
    }

    /// What one pass did.
    public struct Sample: Sendable, Equatable {
        /// The liveness record was refreshed.
        public var ticked = false
        /// The record was missing and was written again.
        public var reregistered = false
        /// Jobs by status, when metrics are enabled and the store can count them.
        public var jobCounts: [JobStatus: Int]?
        public init() {}
    }

    public let store: any JobStore
    let abilities: StoreAbilities
    public let clock: any SchedulerClock
    public var configuration: Configuration
    /// The record this sampler keeps fresh (its `lastTickAt` is replaced at each tick).
    public let instance: SchedulerInstance
    public var metrics: SchedulerMetrics

    /// - parameters:
    ///   - store: where the record is kept (when the store is a ``SchedulerRegistry``) and the
    ///     job counts are read (when it is an ``ObservationStore``).
    ///   - clock: the time of each tick.
    ///   - instance: the scheduler's record, as registered at its start.
    ///   - configuration: how often it ticks.
    ///   - metrics: where the sampled job counts go.
    public init(
        store: any JobStore, clock: any SchedulerClock, instance: SchedulerInstance, configuration: Configuration = Configuration(),
        metrics: SchedulerMetrics = SchedulerMetrics()
    ) {
        self.store = store
        self.abilities = StoreAbilities(of: store)
        self.clock = clock
        self.instance = instance
        self.configuration = configuration
        self.metrics = metrics
    }

    /// Registers the scheduler's record (at start), and removes the records of schedulers whose
    /// process `isOwnerGone` says no longer exists (a crashed predecessor on this host). Records
    /// of other hosts are left for health checks to report.
    ///
    /// - parameters:
    ///   - isOwnerGone: says whether the scheduler with this lease owner name (`host/pid/instance`) is dead.
    /// - returns: the records removed.
    @discardableResult
    public func register(removingGone isOwnerGone: @Sendable (String) -> Bool = { _ in false }) async throws -> [SchedulerInstance] {
        guard let registry = abilities.registry else { return [] }
        let gone = try await registry.schedulers().filter { $0.id != instance.id && isOwnerGone($0.owner) }
        for dead in gone { try await registry.removeScheduler(id: dead.id) }
        var record = instance
        record.lastTickAt = clock.now()
        try await registry.registerScheduler(record)
        return gone
    }

    /// Removes the scheduler's record (at a clean shutdown).
    public func unregister() async throws {
        guard let registry = abilities.registry else { return }
        try await registry.removeScheduler(id: instance.id)
    }

    /// One pass: ticks the record and samples the job counts.
    @discardableResult
    public func runOnce() async throws -> Sample {
        var sample = Sample()
        let now = clock.now()
        if let registry = abilities.registry {
            sample.ticked = true
            if try await !registry.tickScheduler(id: instance.id, at: now) {
                var record = instance
                record.lastTickAt = now
                try await registry.registerScheduler(record)
                sample.reregistered = true
            }
        }
        metrics.prepareSeries()
        if metrics.isEnabled, let observed = abilities.observation {
            let counts = try await observed.jobCounts()
            metrics.recordJobCounts(counts)
            sample.jobCounts = counts
        }
        return sample
    }

    /// Passes every `interval` until cancelled; reports each error.
    func loop(logger: Logger, onError: @Sendable (SchedulerError) -> Void) async {
        await runPeriodically(
            onPass: { sample in
                if sample.reregistered { logger.notice("scheduler record was missing; registered again") }
            }, onError: { onError(SchedulerError(wrapping: $0)) })
    }

    var interval: Double { configuration.interval }
}
