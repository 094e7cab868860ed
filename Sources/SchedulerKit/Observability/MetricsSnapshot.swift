import Foundation

/// Gauges computed from a store's current state: what `schedctl metrics` prints, for a
/// Prometheus node_exporter textfile collector or any scraper.
///
/// Unlike ``SchedulerMetrics`` (counted by a running scheduler, in its process), a snapshot can
/// be taken by any process at any time and describes the database: jobs and runs as recorded,
/// deliveries, and the schedulers that are alive. Metric names start with `schedulerkit_db_`;
/// `Docs/Operations.md` lists them.
///
/// For example:
/// ```swift
/// let snapshot = try await MetricsSnapshot.take(store: store, now: Date())
/// print(PrometheusExport.text(snapshot), terminator: "")
/// ```
public struct MetricsSnapshot: Sendable {
    /// One value of one gauge.
    public struct Sample: Sendable {
        /// The metric name, e.g. `schedulerkit_db_runs`.
        public var name: String
        /// What the metric means (the `# HELP` line); the same for every sample of a name.
        public var help: String
        /// Label names and values, in a fixed order per name.
        public var labels: [(String, String)]
        public var value: Double

        public init(name: String, help: String, labels: [(String, String)] = [], value: Double) {
            self.name = name
            self.help = help
            self.labels = labels
            self.value = value
        }
    }

    /// When the snapshot was taken.
    public var takenAt: Date
    /// The samples, grouped by metric name.
    public var samples: [Sample]

    public init(takenAt: Date, samples: [Sample]) {
        self.takenAt = takenAt
        self.samples = samples
    }

    /// Reads the store and computes every gauge.
    ///
    /// - parameters:
    ///   - store: the store to read; nothing is written.
    ///   - now: the instant ages and liveness are computed at.
    ///   - missedTicks: a scheduler is alive when it ticked within this many of its intervals
    ///     (default 3) and, on this host, its process still exists.
    /// - throws: `SchedulerError` when the store cannot be read.
    public static func take(
        store: any JobStore & ObservationStore & SchedulerRegistry, now: Date, missedTicks: Double = 3
    ) async throws -> MetricsSnapshot {
        let me = WorkerIdentity.current()
        return try await take(store: store, now: now, missedTicks: missedTicks) { WorkerIdentity.isGone(owner: $0, from: me) }
    }

    static func take(
        store: any JobStore & ObservationStore & SchedulerRegistry, now: Date, missedTicks: Double,
        isOwnerGone: @Sendable (String) -> Bool
    ) async throws -> MetricsSnapshot {
        let jobs = try await store.jobs(JobQuery())
        let runs = try await store.runCounts(RunCountQuery())
        let deliveries = try await store.deliveryCounts(DeliveryCountQuery())
        let schedulers = try await store.schedulers()
        var out = Builder()

        var jobsByStatus: [JobStatus: Int] = [:]
        for job in jobs { jobsByStatus[job.status, default: 0] += 1 }
        for status in JobStatus.allCases {
            out.add(Help.jobs, [("status", status.rawValue)], Double(jobsByStatus[status] ?? 0))
        }
        for job in jobs {
            let name = [("job_name", job.name)]
            out.add(Help.jobStatus, [("job_name", job.name), ("status", job.status.rawValue)], 1)
            out.add(Help.consecutiveErrors, name, Double(job.consecutiveErrors))
            out.add(Help.maxConsecutiveErrors, name, Double(job.maxConsecutiveErrors))
            if let last = job.lastRunAt {
                out.add(Help.lastRun, [("job_name", job.name), ("status", job.lastRunStatus?.rawValue ?? "unknown")], seconds(last))
            }
            if let status = job.lastRunStatus {
                out.add(Help.lastRunSuccess, name, status == .succeeded ? 1 : 0)
            }
            if let next = job.nextRunAt {
                out.add(Help.nextRun, name, seconds(next))
            }
        }

        // Runs of deleted jobs stay as history under their name; a name reused by a new job adds up.
        // Every status of every job, 0 included: a dashboard tells "none" from "not reported".
        var runsByJob: [String: [RunStatus: Int]] = [:]
        for job in jobs { runsByJob[job.name] = [:] }
        var open: [RunStatus: Int] = [:]
        var systemErrors: [String: Int] = [:]
        for c in runs {
            runsByJob[c.jobName, default: [:]][c.status, default: 0] += c.count
            if !c.status.isTerminal { open[c.status, default: 0] += c.count }
            if c.status == .systemError { systemErrors[c.errorCode ?? "unknown", default: 0] += c.count }
        }
        for name in runsByJob.keys.sorted() {
            for status in RunStatus.allCases {
                out.add(Help.runs, [("job_name", name), ("status", status.rawValue)], Double(runsByJob[name]?[status] ?? 0))
            }
        }
        out.add(Help.queued, [], Double(open[.queued] ?? 0))
        out.add(Help.running, [], Double(open[.running] ?? 0))
        // Every system error code with its category, then any other code found on such runs.
        let known = SchedulerMetrics.systemErrorCodes.map(\.rawValue)
        for code in known + systemErrors.keys.filter({ !known.contains($0) }).sorted() {
            let category = RunErrorCode(rawValue: code)?.category ?? "unknown"
            out.add(Help.systemErrors, [("error_code", code), ("category", category)], Double(systemErrors[code] ?? 0))
        }

        for channel in DeliveryChannel.allCases {
            for status in DeliveryStatus.allCases {
                let n = deliveries.filter { $0.channel == channel && $0.status == status }.reduce(0) { $0 + $1.count }
                out.add(Help.deliveries, [("channel", channel.rawValue), ("status", status.rawValue)], Double(n))
            }
        }
        let oldestPending = deliveries.filter { $0.status == .pending }.map(\.oldestCreatedAt).min()
        out.add(Help.oldestPending, [], oldestPending.map { max(0, now.timeIntervalSince($0)) } ?? 0)

        var live = 0
        for s in schedulers {
            let isLive = s.isLive(at: now, missedTicks: missedTicks) && !isOwnerGone(s.owner)
            if isLive { live += 1 }
            let labels = [("instance", s.id), ("host", s.host), ("pid", String(s.pid)), ("version", s.version)]
            out.add(Help.schedulerLastTick, labels, seconds(s.lastTickAt))
            out.add(Help.schedulerLive, labels, isLive ? 1 : 0)
        }
        out.add(Help.schedulersLive, [], Double(live))
        return MetricsSnapshot(takenAt: now, samples: out.samples)
    }

    private static func seconds(_ date: Date) -> Double { (date.timeIntervalSince1970 * 1000).rounded() / 1000 }

    /// Names and help texts of the gauges.
    enum Help {
        static let jobs = ("schedulerkit_db_jobs", "Jobs by status.")
        static let jobStatus = ("schedulerkit_db_job_status", "1 for each job, labelled with its current status.")
        static let consecutiveErrors = ("schedulerkit_db_job_consecutive_errors", "Current streak of failed or timed-out runs of a job.")
        static let maxConsecutiveErrors = ("schedulerkit_db_job_max_consecutive_errors", "Streak at which a job is retired to failed.")
        static let lastRun = ("schedulerkit_db_job_last_run_timestamp_seconds", "Start of the job's latest finished run (Unix seconds), labelled with its status.")
        static let lastRunSuccess = ("schedulerkit_db_job_last_run_success", "1 when the job's latest finished run succeeded, else 0.")
        static let nextRun = ("schedulerkit_db_job_next_run_timestamp_seconds", "The job's next due slot (Unix seconds).")
        static let runs = ("schedulerkit_db_runs", "Runs recorded in the database (kept by retention), by job and status, zeros included.")
        static let systemErrors = (
            "schedulerkit_db_system_errors", "Runs recorded as system_error (kept by retention), by error code and its category, zeros included."
        )
        static let queued = ("schedulerkit_db_runs_queued", "Runs waiting to start.")
        static let running = ("schedulerkit_db_runs_running", "Runs in progress.")
        static let deliveries = ("schedulerkit_db_deliveries", "Notifications in the outbox by channel and status.")
        static let oldestPending = ("schedulerkit_db_oldest_pending_delivery_age_seconds", "Age of the oldest notification still pending (0 when none).")
        static let schedulerLastTick = ("schedulerkit_db_scheduler_last_tick_timestamp_seconds", "Last liveness tick of each recorded scheduler (Unix seconds).")
        static let schedulerLive = ("schedulerkit_db_scheduler_live", "1 when the recorded scheduler ticked recently, else 0.")
        static let schedulersLive = ("schedulerkit_db_schedulers_live", "Schedulers that ticked recently.")
    }

    private struct Builder {
        var samples: [Sample] = []
        mutating func add(_ metric: (String, String), _ labels: [(String, String)], _ value: Double) {
            samples.append(Sample(name: metric.0, help: metric.1, labels: labels, value: value))
        }
    }
}
