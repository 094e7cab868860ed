import Foundation
import Metrics
import Synchronization

/// What a scheduler reports through swift-metrics: runs by job and status, run duration,
/// start lateness, jobs by status, deliveries by channel and outcome, store errors.
///
/// The ``Scheduler`` hands it every ``SchedulerEvent`` (``record(_:)``) and its health sampler
/// the job counts (``recordJobCounts(_:)``); nothing else in the library calls swift-metrics.
/// Without a bootstrapped `MetricsSystem` (and no factory given) every call returns at once.
///
/// For example, exporting to Prometheus:
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
/// let scheduler = Scheduler(store: store)       // uses MetricsSystem.factory
/// // serve registry.emitToString() on /metrics
/// ```
///
/// Names and labels are listed in `Docs/Operations.md`; the label holding a job's name is
/// `job_name` (Prometheus reserves `job` for the scrape target).
///
/// Series a dashboard or an alert reads are exported at 0 before anything happens, so "none"
/// is told apart from "not reported": every terminal status of a job once the scheduler sees
/// one of its runs, and every system error code from the start.
public struct SchedulerMetrics: Sendable {
    /// The metric names.
    public enum Name {
        /// Counter: runs that reached a terminal status; dimensions `job_name`, `status`.
        public static let runs = "schedulerkit_runs_total"
        /// Counter: runs that ended in error; dimensions `job_name`, `error_type`, `error_code`.
        public static let runErrors = "schedulerkit_run_errors_total"
        /// Counter: runs that ended `system_error`, the platform's fault; dimensions `error_code`
        /// (every system code of ``RunErrorCode``, 0 included) and its `category`.
        public static let systemErrors = "schedulerkit_system_errors_total"
        /// Timer (seconds): start to finish of runs that started; dimensions `job_name`, `status`.
        public static let runDuration = "schedulerkit_run_duration_seconds"
        /// Timer (seconds): how long after it was allowed to start (`notBefore`: the slot plus
        /// jitter, a retry's backoff, a manual run's queueing) a run started; dimension `job_name`.
        public static let startLateness = "schedulerkit_run_start_lateness_seconds"
        /// Gauge: jobs by `status`, refreshed by the health sampler.
        public static let jobs = "schedulerkit_jobs"
        /// Counter: jobs retired to `failed`; dimension `job_name`.
        public static let jobsRetired = "schedulerkit_jobs_retired_total"
        /// Counter: delivery attempts by `channel` and `outcome` (`delivered`, `retried`, `failed`, `dead`).
        public static let deliveries = "schedulerkit_deliveries_total"
        /// Counter: store operations that failed (the engine retries them).
        public static let storeErrors = "schedulerkit_store_errors_total"
        /// Counter: rows deleted by retention, labelled `kind` (runs, deliveries, audit, artifacts).
        public static let pruned = "schedulerkit_pruned_total"
    }

    private let factory: (any MetricsFactory)?
    /// Job names whose zero series exist already (shared by the copies of this value).
    private let seenJobs = SeenNames()

    /// Metrics through `factory`, or through `MetricsSystem.factory` (looked up at each use, so a
    /// later bootstrap is honoured) when it is nil.
    public init(factory: (any MetricsFactory)? = nil) {
        self.factory = factory
    }

    /// The system error codes, each exported from the start.
    static let systemErrorCodes = RunErrorCode.allCases.filter { $0.errorType == .system }

    /// Metrics that record nothing, whatever `MetricsSystem` says.
    public static let disabled = SchedulerMetrics(factory: NOOPMetricsHandler.instance)

    /// The factory to use, nil when metrics go nowhere.
    var active: (any MetricsFactory)? {
        let f = factory ?? MetricsSystem.factory
        return f is NOOPMetricsHandler ? nil : f
    }

    /// Exports the series that must exist before anything happens: every system error code at
    /// 0. Idempotent; the scheduler calls it at start and its health sampler at each pass (so a
    /// metrics backend bootstrapped later gets them too).
    public func prepareSeries() {
        guard let f = active else { return }
        for code in Self.systemErrorCodes {
            Counter(label: Name.systemErrors, dimensions: [("error_code", code.rawValue), ("category", code.category)], factory: f)
                .increment(by: 0)
        }
    }

    /// The first time a job is seen: its runs counter for every terminal status, at 0.
    func prepareJobSeries(_ jobName: String, factory f: any MetricsFactory) {
        guard seenJobs.insert(jobName) else { return }
        for status in RunStatus.terminal {
            Counter(label: Name.runs, dimensions: [("job_name", jobName), ("status", status.rawValue)], factory: f).increment(by: 0)
        }
    }

    /// Sets the jobs-by-status gauge; statuses missing from `counts` are set to 0.
    public func recordJobCounts(_ counts: [JobStatus: Int]) {
        guard let f = active else { return }
        for status in JobStatus.allCases {
            Gauge(label: Name.jobs, dimensions: [("status", status.rawValue)], factory: f).record(counts[status] ?? 0)
        }
    }

    /// Whether anything would be recorded (a factory was given or `MetricsSystem` was bootstrapped).
    public var isEnabled: Bool { active != nil }

    func runEnded(_ run: Run, factory f: any MetricsFactory) {
        Counter(label: Name.runs, dimensions: [("job_name", run.jobName), ("status", run.status.rawValue)], factory: f).increment()
        if run.status == .systemError {
            let code = run.errorCode ?? "unknown"
            let category = RunErrorCode(rawValue: code)?.category ?? "unknown"
            Counter(label: Name.systemErrors, dimensions: [("error_code", code), ("category", category)], factory: f).increment()
        }
        if run.status.isFailure {
            Counter(
                label: Name.runErrors,
                dimensions: [
                    ("job_name", run.jobName), ("error_type", run.errorType?.rawValue ?? "unknown"),
                    ("error_code", run.errorCode ?? "unknown"),
                ],
                factory: f
            ).increment()
        }
        if let duration = run.duration {
            CoreMetrics.Timer(
                label: Name.runDuration, dimensions: [("job_name", run.jobName), ("status", run.status.rawValue)],
                preferredDisplayUnit: .seconds, factory: f
            ).recordSeconds(max(0, duration))
        }
    }
}

/// A set of names shared by the copies of a ``SchedulerMetrics``.
private final class SeenNames: Sendable {
    private let names = Mutex<Set<String>>([])

    /// Adds `name`; true when it was not there yet.
    func insert(_ name: String) -> Bool {
        names.withLock { $0.insert(name).inserted }
    }
}
