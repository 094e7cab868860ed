import Foundation

/// The storage seam: every durable transition of jobs, runs, alerts and the audit log.
///
/// Verbs speak the domain (`claimDueRuns`, `completeRun`, `recordHeartbeat`, `rescueLostRuns`),
/// never SQL; each verb is one transaction. Implementations throw ``SchedulerError`` only, and
/// must pass the conformance suite in `Tests/SchedulerKitTests/Storage`.
public protocol JobStore: Sendable {
    // MARK: Jobs

    /// Inserts a new job and its audit line.
    ///
    /// - throws: `.alreadyExists` when the name is taken.
    func insertJob(_ job: Job, audit: AuditRecord) async throws
    /// The job with this id, or nil.
    func job(id: JobID) async throws -> Job?
    /// The job with this name, or nil.
    func job(named name: String) async throws -> Job?
    /// Jobs matching `query`, ordered by name.
    func jobs(_ query: JobQuery) async throws -> [Job]
    /// Reads a job, lets `change` check and modify it, and writes it back with the audit line
    /// `change` returns, all in one transaction. Throwing from `change` writes nothing. A change
    /// that takes an `active` job out of `active` (a pause) cancels its queued runs in the same
    /// transaction, a slot queued ahead of its instant included (code `cancelled`).
    ///
    /// - returns: the job as written.
    /// - throws: `.notFound`, or what `change` throws.
    @discardableResult
    func modifyJob(id: JobID, _ change: @escaping @Sendable (inout Job) throws -> AuditRecord?) async throws -> Job
    /// Deletes a job and its alerts; cancels its queued runs and asks its running runs to stop.
    /// Finished runs stay as history.
    @discardableResult
    func deleteJob(id: JobID, audit: AuditRecord) async throws -> Job

    // MARK: Runs

    /// Inserts a queued run after `check` accepts the job, with an audit line, in one transaction.
    func enqueueRun(_ run: Run, check: @escaping @Sendable (Job) throws -> Void, audit: AuditRecord?) async throws
    /// The run with this id, or nil.
    func run(id: RunID) async throws -> Run?
    /// Runs matching `query`, newest first.
    func runs(_ query: RunQuery) async throws -> [Run]

    // MARK: Engine transitions

    /// In one transaction: turns due slots of active jobs into runs (applying the misfire and
    /// overlap policies and jitter) and advances each job's `nextRunAt`; then starts up to
    /// `maxStart` queued runs whose time has come, leasing them to `owner`.
    ///
    /// A run another scheduler queued ahead of its slot (lookahead) and never started, found
    /// more than `misfireGrace` after its slot, follows its job's misfire policy: `skip` records
    /// it `skipped` (code `misfire`); `runOnce` starts it once as a `catchup`, unless the job has
    /// later missed slots of its own, whose catch-up run replaces it (then it is `skipped` too).
    func claimDueRuns(_ params: ClaimParams) async throws -> ClaimResult
    /// Records how runs ended, in one transaction (group commit): for each, applies the streak
    /// rules (retiring the job at its limit), the retry policy and one-shot completion, and writes
    /// the outbox.
    ///
    /// A run that is no longer `running` (reaped meanwhile) keeps its status; its result says so.
    /// A run that no longer exists has no result.
    func completeRuns(_ params: [CompleteRunParams]) async throws -> [CompletionResult]
    /// Records run endings (``completeRuns(_:)``) and claims (``claimDueRuns(_:)``): how a busy
    /// scheduler hands finished workers their next runs. SQLite does both in one transaction; a
    /// store shared by several schedulers may commit the endings first (PostgreSQL does, so the
    /// job rows the endings lock are not held through the claim; decision 0030). Either way the
    /// endings are recorded when this returns, and a claim that fails after they were committed
    /// returns an empty claim rather than an error. When it throws, the endings may or may not
    /// be recorded: recording them again is harmless (a run no longer running keeps its status).
    func completeRunsAndClaim(_ endings: [CompleteRunParams], _ claim: ClaimParams) async throws -> ([CompletionResult], ClaimResult)
    /// Renews the lease of `owner`'s running runs.
    ///
    /// - returns: the ids of those runs that someone asked to cancel, and of those the owner no longer holds.
    func recordHeartbeat(_ params: HeartbeatParams) async throws -> HeartbeatResult
    /// Ends as `system_error`/`lost` every running run whose lease expired before `now` or whose
    /// owner `isOwnerGone` says is dead.
    func rescueLostRuns(now: Date, isOwnerGone: @escaping @Sendable (String) -> Bool) async throws -> [CompletionResult]
    /// The earliest instant at which `claimDueRuns` could find work: a job's `nextRunAt`
    /// (`lookahead` seconds early, unless within `now + lookahead` already) or a queued run's
    /// `notBefore`; nil when nothing is scheduled.
    func nextWakeTime(now: Date, lookahead: Double) async throws -> Date?
    /// Undoes lookahead: deletes the runs `owner` queued ahead of a slot later than `now` (never
    /// started) and makes each slot its job's next one again, so a scheduler that stops leaves
    /// its upcoming slots to the misfire policy of whichever scheduler runs next. Returns how
    /// many runs were released.
    func releaseUpcomingRuns(owner: String, now: Date) async throws -> Int
    /// A number that changes when another process commits to the store (cheap to poll).
    func externalChangeToken() async throws -> Int64
    /// Signalled after each operator write made through this store object, so an engine in the
    /// same process wakes at once.
    var localChanges: ChangeSignal { get }

    // MARK: Alerts

    /// Adds an alert to a job, with an audit line.
    func insertAlert(_ alert: Alert, audit: AuditRecord) async throws
    /// The alerts of a job, oldest first.
    func alerts(jobId: JobID) async throws -> [Alert]
    /// The alert with this id, or nil.
    func alert(id: String) async throws -> Alert?
    /// Deletes an alert, with an audit line.
    @discardableResult
    func deleteAlert(id: String, audit: AuditRecord) async throws -> Alert

    // MARK: Audit

    /// Audit entries, newest first.
    func auditEntries(_ query: AuditQuery) async throws -> [AuditEntry]
}

extension JobStore {
    /// The earliest `nextRunAt` or queued `notBefore`; nil when nothing is scheduled.
    public func nextWakeTime() async throws -> Date? {
        try await nextWakeTime(now: .distantPast, lookahead: 0)
    }

    /// Records how one run ended; see ``completeRuns(_:)``.
    public func completeRun(_ params: CompleteRunParams) async throws -> CompletionResult {
        guard let result = try await completeRuns([params]).first else {
            throw SchedulerError(.notFound, "no run with id \(params.runId)")
        }
        return result
    }
}

/// Filters for ``JobStore/jobs(_:)``.
public struct JobQuery: Sendable, Hashable {
    public var status: JobStatus?
    public var limit: Int?
    /// Only jobs whose name sorts after this one (jobs are listed by name): the next page.
    public var afterName: String?
    public init(status: JobStatus? = nil, limit: Int? = nil, afterName: String? = nil) {
        self.status = status
        self.limit = limit
        self.afterName = afterName
    }
}

/// Filters for ``JobStore/runs(_:)``.
public struct RunQuery: Sendable, Hashable {
    public var jobId: JobID?
    public var statuses: [RunStatus]?
    public var since: Date?
    /// Only runs older than this one (ids are time-sortable): the next page after `before`.
    public var before: RunID?
    public var limit: Int?
    public init(
        jobId: JobID? = nil, statuses: [RunStatus]? = nil, since: Date? = nil, before: RunID? = nil, limit: Int? = 50
    ) {
        self.jobId = jobId
        self.statuses = statuses
        self.since = since
        self.before = before
        self.limit = limit
    }
}

/// Filters for ``JobStore/auditEntries(_:)``.
public struct AuditQuery: Sendable, Hashable {
    public var jobId: JobID?
    public var limit: Int?
    public init(jobId: JobID? = nil, limit: Int? = 100) {
        self.jobId = jobId
        self.limit = limit
    }
}

/// Parameters of ``JobStore/claimDueRuns(_:)``.
public struct ClaimParams: Sendable {
    public var now: Date
    /// The lease holder: `host/pid/instance`.
    public var owner: String
    /// How long a started run's lease lasts before heartbeats must renew it.
    public var leaseDuration: Double
    /// How many queued runs may be started (free workers).
    public var maxStart: Int
    /// How many due jobs one call turns into runs at most.
    public var maxEnqueue: Int
    /// A slot later than this many seconds counts as missed (misfire policy applies).
    public var misfireGrace: Double
    /// Slots due up to this instant become queued runs now, started at their instant
    /// (lookahead); nil means `now`. A job with a run in progress and overlap other than
    /// `allow` is left for its instant.
    public var horizon: Date?
    /// Queued runs due within this many seconds are started now, with `startedAt` set to their
    /// `notBefore`: the caller launches each at that instant (default 0: only runs due now).
    public var startAhead: Double = 0
    /// Random delay in `0...jitter` for a job with jitter; injected so tests are deterministic.
    public var jitter: @Sendable (Double) -> Double

    public init(
        now: Date, owner: String, leaseDuration: Double = 30, maxStart: Int, maxEnqueue: Int = 1000,
        misfireGrace: Double = 60, jitter: @escaping @Sendable (Double) -> Double = { Double.random(in: 0...$0) }
    ) {
        self.now = now
        self.owner = owner
        self.leaseDuration = leaseDuration
        self.maxStart = maxStart
        self.maxEnqueue = maxEnqueue
        self.misfireGrace = misfireGrace
        self.jitter = jitter
    }
}

/// A run handed to a worker, with its job as it was when claimed.
public struct ClaimedRun: Sendable, Hashable {
    public var run: Run
    public var job: Job
    public init(run: Run, job: Job) {
        self.run = run
        self.job = job
    }
}

/// What ``JobStore/claimDueRuns(_:)`` did.
public struct ClaimResult: Sendable {
    /// Runs now `running` under the caller's lease.
    public var started: [ClaimedRun] = []
    /// Runs created by this call (queued, skipped, or cancelled by `replace`).
    public var created: [Run] = []
    /// Running runs of other slots asked to stop by overlap `replace`.
    public var cancelRequested: [RunID] = []
    public init() {}
}

/// Parameters of ``JobStore/completeRun(_:)``.
public struct CompleteRunParams: Sendable {
    public var runId: RunID
    public var outcome: RunOutcome
    public var now: Date
    /// Random factor in `0...1` applied to a retry's delay (jitter); injected for tests.
    public var retryJitter: Double

    public init(runId: RunID, outcome: RunOutcome, now: Date, retryJitter: Double = 0) {
        self.runId = runId
        self.outcome = outcome
        self.now = now
        self.retryJitter = retryJitter
    }
}

/// What ``JobStore/completeRun(_:)`` recorded.
public struct CompletionResult: Sendable {
    /// The run as stored after the call.
    public var run: Run
    /// The job after the call; nil when it was deleted (or `deleteAfterRun`).
    public var job: Job?
    /// False when the run had already ended (for example reaped as lost) and was left as it was.
    public var recorded: Bool
    /// The job reached `maxConsecutiveErrors` and was retired to `failed`.
    public var retired: Bool = false
    /// A one-shot job became `completed`.
    public var completed: Bool = false
    /// A one-shot job was deleted (`deleteAfterRun`).
    public var deleted: Bool = false
    /// The next attempt queued under the retry policy.
    public var retry: Run?
    /// Notifications written to the outbox in the same transaction.
    public var deliveries: Int = 0

    public init(run: Run, job: Job?, recorded: Bool) {
        self.run = run
        self.job = job
        self.recorded = recorded
    }
}

/// Parameters of ``JobStore/recordHeartbeat(_:)``.
public struct HeartbeatParams: Sendable {
    public var owner: String
    public var runIds: [RunID]
    public var now: Date
    public var leaseDuration: Double
    public init(owner: String, runIds: [RunID], now: Date, leaseDuration: Double) {
        self.owner = owner
        self.runIds = runIds
        self.now = now
        self.leaseDuration = leaseDuration
    }
}

/// What ``JobStore/recordHeartbeat(_:)`` found.
public struct HeartbeatResult: Sendable {
    /// Runs someone asked to stop (overlap `replace`, job deleted).
    public var cancelRequested: Set<RunID> = []
    /// Runs that are no longer running under this owner (reaped, or ended elsewhere).
    public var lost: Set<RunID> = []
    public init() {}
}

/// A store with every optional ability (the SQLite and PostgreSQL stores): what `schedctl`
/// opens, checked by the compiler rather than found with `as?` at run time.
public typealias CompleteJobStore = JobStore & DeliveryStore & DeliveryRetryStore & ArtifactStore & PrunableStore
    & SchedulerRegistry & ObservationStore & TokenStore
