import Foundation

extension HealthChecks {
    /// When each check speaks up, with the defaults `Docs/Decisions/0009-health-checks.md` explains.
    ///
    /// For example, a stricter dormancy rule:
    /// ```swift
    /// var thresholds = HealthChecks.Thresholds()
    /// thresholds.dormantMissedSlots = 2
    /// let findings = try await HealthChecks(store: store, thresholds: thresholds).run()
    /// ```
    public struct Thresholds: Sendable, Hashable {
        // MARK: Schedulers

        /// A scheduler is dead after this many of its tick intervals without a tick (default 3).
        public var missedTicks: Double = 3
        /// With no scheduler alive, a job or queued run this many seconds past due makes the
        /// finding critical (default 60); before that it is a warning.
        public var overdueGrace: Double = 60

        // MARK: Jobs

        /// An active job is dormant when this many of its slots passed without a run (default 3).
        /// Jobs younger than that (created, resumed or changed since) are not judged.
        public var dormantMissedSlots = 3
        /// A slot counts as missed this many seconds after it was due (default 60).
        public var dormantGrace: Double = 60
        /// A one-shot job still active this many seconds after its instant is dormant (default 900).
        public var dormantOneShotGrace: Double = 900
        /// A streak of at least this fraction of the job's limit is a warning (default 0.5).
        public var failureStreakFraction = 0.5

        // MARK: Runs

        /// A run is stuck this many seconds after its timeout should have ended it (default 60).
        public var stuckTimeoutGrace: Double = 60
        /// A run is stuck this many seconds after its lease expired unrenewed (default 30: a live
        /// scheduler's reaper would have ended it by then).
        public var stuckLeaseGrace: Double = 30
        /// The recent window of failure rates and durations, in seconds (default 3600).
        public var recentWindow: Double = 3600
        /// The history before it that serves as a job's baseline, in seconds (default 7 days).
        public var baselineWindow: Double = 7 * 86400
        /// Runs a job needs in the recent window before its failure rate is judged (default 5).
        public var spikeMinRecentRuns = 5
        /// Runs a job needs in its baseline before its failure rate is judged (default 20).
        public var spikeMinBaselineRuns = 20
        /// A recent failure rate at least this high can be a spike (default 0.5).
        public var spikeMinRate = 0.5
        /// ... when it is also at least this many times the baseline rate (default 2).
        public var spikeRatio = 2.0
        /// A run is anomalously long at this many times its job's median duration (default 5).
        public var durationFactor = 5.0
        /// ... and at least this many seconds longer than the median (default 1), so that
        /// millisecond jitter of very short jobs is not an anomaly.
        public var durationMinExcess: Double = 1
        /// Successful runs a job needs before its median means something (default 10).
        public var durationMinSamples = 10
        /// The median is over at most this many of the job's latest successful runs (default 100).
        public var durationSampleSize = 100
        /// `system_error` runs with the same code within ``systemErrorWindow`` that make a spike (default 3).
        public var systemErrorSpikeCount = 3
        /// The window of the system-error check, in seconds (default 3600).
        public var systemErrorWindow: Double = 3600

        // MARK: Deliveries

        /// A pending delivery older than this many seconds is a backlog (default 900).
        public var deliveryBacklogAge: Double = 900
        /// Deliveries that died or were refused within this many seconds are reported (default 86400).
        public var deliveryFailureWindow: Double = 86400

        public init() {}
    }
}
