import Foundation

/// Looks at a store and says what is wrong: no scheduler alive, dormant jobs, stuck runs,
/// failure streaks, retired jobs, failure-rate spikes, slow runs, system-error spikes and
/// notification backlogs.
///
/// Checks only read: they never change jobs, runs or anything else, so they are safe to run
/// from a monitoring system every minute while a scheduler works on the same file.
///
/// For example:
/// ```swift
/// let findings = try await HealthChecks(store: try SQLiteJobStore(path: path)).run()
/// switch HealthStatus(findings) {
/// case .ok: print("OK")
/// case .warning, .critical: findings.forEach { print($0.severity, $0.message) }
/// }
/// ```
public struct HealthChecks: Sendable {
    /// The ids of the findings, one per check (two for schedulers and deliveries).
    public enum CheckID {
        /// No scheduler ticked recently (critical when work is overdue).
        public static let noLiveScheduler = "no_live_scheduler"
        /// A scheduler record stopped ticking while another scheduler is alive (info).
        public static let staleScheduler = "stale_scheduler"
        /// An active job missed several slots without a run (warning).
        public static let dormantJob = "dormant_job"
        /// A run is still `running` past its timeout, its lease, or its worker's life (critical).
        public static let stuckRun = "stuck_run"
        /// A job's failure streak reached the warning fraction of its limit (warning).
        public static let failureStreak = "failure_streak"
        /// A job was retired to `failed` (critical).
        public static let jobRetired = "job_retired"
        /// A job fails far more often recently than in its history (warning).
        public static let failureRateSpike = "failure_rate_spike"
        /// A run took (or is taking) far longer than its job's median (warning).
        public static let durationAnomaly = "duration_anomaly"
        /// Several `system_error` runs with the same code recently (warning).
        public static let systemErrorSpike = "system_error_spike"
        /// Notifications wait undelivered for too long (warning).
        public static let deliveryBacklog = "delivery_backlog"
        /// Notifications died after their retries or were refused recently (warning).
        public static let deliveryFailures = "delivery_failures"
    }

    public let store: any JobStore & ObservationStore & SchedulerRegistry
    public let clock: any SchedulerClock
    public var thresholds: Thresholds
    /// Says whether the worker holding a lease (`host/pid/instance`) is certainly dead: on this
    /// host, a process that no longer exists. Workers on other hosts are judged by their lease.
    var isOwnerGone: @Sendable (String) -> Bool

    /// - parameters:
    ///   - store: the store to examine; nothing is written to it.
    ///   - clock: what "now" is (tests inject a ``ManualClock``).
    ///   - thresholds: when each check speaks up.
    public init(
        store: any JobStore & ObservationStore & SchedulerRegistry, clock: any SchedulerClock = SystemClock(),
        thresholds: Thresholds = Thresholds()
    ) {
        self.store = store
        self.clock = clock
        self.thresholds = thresholds
        let me = WorkerIdentity.current()
        self.isOwnerGone = { WorkerIdentity.isGone(owner: $0, from: me) }
    }

    /// Runs every check.
    ///
    /// - returns: the findings, most severe first (then by check, job and message); empty when
    ///   all is well.
    /// - throws: `SchedulerError` when the store cannot be read.
    public func run() async throws -> [HealthFinding] {
        let now = clock.now()
        let jobs = try await store.jobs(JobQuery())
        let running = try await store.runs(RunQuery(statuses: [.running], limit: nil))
        var findings: [HealthFinding] = []
        findings += try await schedulerFindings(jobs: jobs, now: now)
        findings += try await jobFindings(jobs: jobs, running: running, now: now)
        findings += stuckRunFindings(running: running, jobs: jobs, now: now)
        findings += try await failureRateFindings(jobs: jobs, now: now)
        findings += try await durationFindings(running: running, now: now)
        findings += try await systemErrorFindings(now: now)
        findings += try await deliveryFindings(now: now)
        return findings.sorted { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            if a.id != b.id { return a.id < b.id }
            if (a.job ?? "") != (b.job ?? "") { return (a.job ?? "") < (b.job ?? "") }
            return a.message < b.message
        }
    }

    // MARK: - Schedulers

    func schedulerFindings(jobs: [Job], now: Date) async throws -> [HealthFinding] {
        let instances = try await store.schedulers()
        // A record on this host whose process is gone is dead at once, however fresh its last tick.
        let gone = Set(instances.filter { isOwnerGone($0.owner) }.map(\.id))
        let live = instances.filter { !gone.contains($0.id) && $0.isLive(at: now, missedTicks: thresholds.missedTicks) }
        let stale = instances.filter { s in !live.contains { $0.id == s.id } }
        guard live.isEmpty else {
            return stale.map { s in
                let why = gone.contains(s.id) ? "its process is gone" : "its process may have died"
                return HealthFinding(
                    id: CheckID.staleScheduler, severity: .info, category: "scheduler",
                    message: "scheduler \(s.owner) last ticked \(Self.ago(s.lastTickAt, now)) (\(why); "
                        + "\(live.count) other scheduler(s) alive)",
                    details: Self.instanceDetails(s, now: now, gone: gone.contains(s.id)))
            }
        }
        let active = jobs.filter { $0.status == .active }
        let overdueLine = now.addingTimeInterval(-thresholds.overdueGrace)
        let overdueJobs = active.filter { ($0.nextRunAt ?? .distantFuture) < overdueLine }
        let queued = try await store.runs(RunQuery(statuses: [.queued], limit: nil))
        let overdueQueued = queued.filter { $0.notBefore < overdueLine }
        let severity: HealthFinding.Severity =
            !overdueJobs.isEmpty || !overdueQueued.isEmpty ? .critical : (active.isEmpty ? .info : .warning)
        var message = instances.isEmpty ? "no scheduler is running" : "no scheduler is alive"
        if let last = instances.max(by: { $0.lastTickAt < $1.lastTickAt }) {
            message += " (last tick \(Self.ago(last.lastTickAt, now)) by \(last.owner))"
        }
        message += ": \(active.count) active job(s)"
        if !overdueJobs.isEmpty { message += ", \(overdueJobs.count) overdue" }
        if !overdueQueued.isEmpty { message += ", \(overdueQueued.count) queued run(s) waiting" }
        return [
            HealthFinding(
                id: CheckID.noLiveScheduler, severity: severity, category: "scheduler", message: message,
                details: .object(sorting: [
                    "active_jobs": .int(active.count),
                    "overdue_jobs": .array(overdueJobs.map { .string($0.name) }),
                    "overdue_queued_runs": .int(overdueQueued.count),
                    "stale_schedulers": .array(instances.map { Self.instanceDetails($0, now: now, gone: gone.contains($0.id)) }),
                ]))
        ]
    }

    static func instanceDetails(_ s: SchedulerInstance, now: Date, gone: Bool = false) -> JSONValue {
        .object(sorting: [
            "id": .string(s.id), "host": .string(s.host), "pid": .int(s.pid), "version": .string(s.version),
            "process_gone": .bool(gone),
            "started_at": .date(s.startedAt), "last_tick_at": .date(s.lastTickAt),
            "seconds_since_tick": .seconds(rounded(now.timeIntervalSince(s.lastTickAt))),
            "tick_interval_seconds": .seconds(s.tickInterval),
        ])
    }

    // MARK: - Deliveries

    func deliveryFindings(now: Date) async throws -> [HealthFinding] {
        var findings: [HealthFinding] = []
        let old = try await store.deliveryCounts(DeliveryCountQuery(createdBefore: now.addingTimeInterval(-thresholds.deliveryBacklogAge)))
            .filter { $0.status == .pending }
        let waiting = old.reduce(0) { $0 + $1.count }
        if waiting > 0, let oldest = old.map(\.oldestCreatedAt).min() {
            var byChannel: [String: JSONValue] = [:]
            for c in old { byChannel[c.channel.rawValue] = .int(c.count) }
            findings.append(
                HealthFinding(
                    id: CheckID.deliveryBacklog, severity: .warning, category: "deliveries",
                    message: "\(waiting) notification(s) waiting for more than \(Self.span(thresholds.deliveryBacklogAge)) "
                        + "(oldest created \(Self.ago(oldest, now)))",
                    details: .object(sorting: [
                        "pending": .int(waiting), "oldest_created_at": .date(oldest),
                        "oldest_age_seconds": .seconds(Self.rounded(now.timeIntervalSince(oldest))),
                        "by_channel": .members(byChannel),
                    ])))
        }
        let recent = try await store.deliveryCounts(DeliveryCountQuery(updatedSince: now.addingTimeInterval(-thresholds.deliveryFailureWindow)))
        let dead = recent.filter { $0.status == .dead }.reduce(0) { $0 + $1.count }
        let refused = recent.filter { $0.status == .failed }.reduce(0) { $0 + $1.count }
        if dead + refused > 0 {
            findings.append(
                HealthFinding(
                    id: CheckID.deliveryFailures, severity: .warning, category: "deliveries",
                    message: "\(dead + refused) notification(s) could not be delivered in the last "
                        + "\(Self.span(thresholds.deliveryFailureWindow)) (\(dead) gave up after retries, \(refused) refused)",
                    details: .object(sorting: [
                        "dead": .int(dead), "refused": .int(refused), "window_seconds": .seconds(thresholds.deliveryFailureWindow),
                    ])))
        }
        return findings
    }

    // MARK: - Text

    /// `2h5m ago`, `in 3m`, `just now`.
    static func ago(_ date: Date, _ now: Date) -> String {
        let delta = now.timeIntervalSince(date)
        if abs(delta) < 1 { return "just now" }
        return delta > 0 ? "\(span(delta)) ago" : "in \(span(-delta))"
    }

    /// A span of seconds as `850ms`, `45s`, `2h5m`, `3d4h`.
    static func span(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 10 { return String(format: "%.1fs", seconds) }
        let s = Int64(seconds.rounded())
        if s >= 86400 { return DurationText.format(seconds: s - s % 3600) }
        if s >= 3600 { return DurationText.format(seconds: s - s % 60) }
        return DurationText.format(seconds: s)
    }

    /// Seconds to the millisecond.
    static func rounded(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }
}
