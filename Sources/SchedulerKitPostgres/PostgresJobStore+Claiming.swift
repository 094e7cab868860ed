import Foundation
import PostgresNIO
import SchedulerKit

/// The engine transitions. Lock order, everywhere: a job's row before its runs' rows. Claims
/// lock with `SKIP LOCKED` and so never wait for another node; the verbs that wait (endings,
/// the reaper, operator changes) take their jobs' locks in id order first.
extension PostgresJobStore {
    public func claimDueRuns(_ params: ClaimParams) async throws -> ClaimResult {
        let entered = ContinuousClock.now
        return try await transaction { tx in
            let (p, shift) = try await self.inDatabaseTime(tx, params, since: entered)
            return Self.shifted(try await self.claim(tx, p), by: shift)
        }
    }

    /// Two transactions, unlike SQLite's one: the endings lock their jobs' rows (streaks, last
    /// run), and on a shared database other nodes' endings of the same jobs wait for those
    /// locks; committing them before the claim statements shortens that wait (4 nodes went from
    /// 0.96× to 1.8× the rate of one; decision 0030). A claim that fails after the endings are
    /// committed returns no claim, not an error (the endings must not be recorded twice); the
    /// scheduler's next claim meets the error itself.
    public func completeRunsAndClaim(_ endings: [CompleteRunParams], _ params: ClaimParams) async throws -> ([CompletionResult], ClaimResult) {
        let results = try await completeRuns(endings)
        do {
            return (results, try await claimDueRuns(params))
        } catch {
            logger.warning("claiming after recording \(endings.count) ending(s) failed", metadata: ["error": "\(error)"])
            return (results, ClaimResult())
        }
    }

    /// The claim's instants in the database's clock (with `.database`), and the caller's clock
    /// minus the database's. The caller's `now` was read before the call: the time the call has
    /// taken since `entered` is added, so the shift errs late by at most a round trip and a run
    /// is never started before its instant by the caller's clock.
    private func inDatabaseTime(_ tx: Tx, _ params: ClaimParams, since entered: ContinuousClock.Instant) async throws -> (ClaimParams, Double) {
        var p = params
        p.now = try await transitionNow(tx, params.now)
        let taken = (ContinuousClock.now - entered).components
        let elapsed = clockSource == .database ? Double(taken.seconds) + Double(taken.attoseconds) / 1e18 : 0
        let shift = params.now.addingTimeInterval(elapsed).timeIntervalSince(p.now)
        if let horizon = params.horizon { p.horizon = horizon.addingTimeInterval(-shift).millisecondPrecision }
        return (p, shift)
    }

    /// Started runs begin at `startedAt` by the caller's clock (the engine waits for it): the
    /// returned copies carry that instant in the caller's clock; the rows keep the database's.
    private static func shifted(_ result: ClaimResult, by shift: Double) -> ClaimResult {
        guard abs(shift) >= 0.001 else { return result }
        var result = result
        for i in result.started.indices {
            result.started[i].run.startedAt = result.started[i].run.startedAt?.addingTimeInterval(shift)
        }
        return result
    }

    private func claim(_ tx: Tx, _ p: ClaimParams) async throws -> ClaimResult {
        var result = ClaimResult()
        if p.maxStart > 0 {
            try await settleAbandonedUpcomingRuns(tx, params: p, into: &result)
        }
        // Due jobs another node is enqueuing right now are skipped, not waited for.
        let due = try await tx.rows(
            """
            SELECT \(Rows.jobColumns) FROM jobs
            WHERE next_run_at <= ? AND status = 'active' ORDER BY next_run_at LIMIT ? FOR UPDATE SKIP LOCKED
            """,
            [.int(ms(max(p.now, p.horizon ?? p.now))), .int(p.maxEnqueue)]
        ).map(Rows.job)
        for job in due {
            try await enqueueDueSlots(tx, job: job, params: p, into: &result)
        }
        if p.maxStart > 0 {
            try await startQueuedRuns(tx, params: p, into: &result)
        }
        return result
    }

    /// Executes the job's ``SlotDecision``.
    private func enqueueDueSlots(_ tx: Tx, job: Job, params p: ClaimParams, into result: inout ClaimResult) async throws {
        let openRuns = try await tx.rows(
            "SELECT \(Rows.runColumns) FROM runs WHERE job_id = ? AND status IN ('queued', 'running')", [.text(job.id.rawValue)]
        ).map(Rows.run)
        guard
            let decision = SlotDecision.decide(
                job: job, openRuns: openRuns, now: p.now, misfireGrace: p.misfireGrace, owner: p.owner, jitter: p.jitter),
            !decision.waits
        else { return }
        if let skip = decision.skipped, try await Self.insertRun(tx, skip) {
            result.created.append(skip)
            try await recordTransition(tx, job: job, run: skip, previous: nil, at: p.now)
        }
        for other in decision.replaced {
            try await Self.writeRunEnd(tx, other)
            try await recordTransition(tx, job: decision.job, run: other, previous: .queued, at: p.now)
            result.created.append(other)
        }
        for id in decision.cancelRequested {
            try await tx.execute("UPDATE runs SET cancel_requested = TRUE WHERE id = ?", [.text(id.rawValue)])
            result.cancelRequested.append(id)
        }
        if let run = decision.run, try await Self.insertRun(tx, run) {
            result.created.append(run)
            try await recordTransition(tx, job: decision.job, run: run, previous: nil, at: p.now)
        }
        if decision.deletesJob {
            try await tx.execute("DELETE FROM jobs WHERE id = ?", [.text(job.id.rawValue)])
            return
        }
        try await tx.execute(
            "UPDATE jobs SET next_run_at = ?, status = ? WHERE id = ?",
            [.instant(decision.job.nextRunAt), .text(decision.job.status.rawValue), .text(job.id.rawValue)])
    }

    /// Applies the misfire policy to runs another scheduler queued ahead of their slot and never
    /// started, once their slot is past the misfire grace (decision 0017).
    private func settleAbandonedUpcomingRuns(_ tx: Tx, params p: ClaimParams, into result: inout ClaimResult) async throws {
        let graceEnd = ms(p.now) - Int64((max(0, p.misfireGrace) * 1000).rounded())
        let abandoned = try await tx.rows(
            """
            SELECT \(Rows.runColumns) FROM runs
            WHERE status = 'queued' AND not_before < ? AND trigger = 'schedule' AND lease_owner IS NOT NULL
                AND lease_owner <> ? AND scheduled_for < ?
            """,
            [.int(graceEnd), .text(p.owner), .int(graceEnd)]
        ).map(Rows.run)
        guard !abandoned.isEmpty else { return }
        for candidate in abandoned {
            // Job first, then run; both skipped when another node holds them.
            guard
                let job = try await tx.rows(
                    "SELECT \(Rows.jobColumns) FROM jobs WHERE id = ? FOR UPDATE SKIP LOCKED", [.text(candidate.jobId.rawValue)]
                ).first.map(Rows.job),
                job.status == .active,
                var run = try await tx.rows(
                    "SELECT \(Rows.runColumns) FROM runs WHERE id = ? AND status = 'queued' FOR UPDATE SKIP LOCKED",
                    [.text(candidate.id.rawValue)]
                ).first.map(Rows.run)
            else { continue }
            let message: String
            switch AbandonedRunDecision.decide(run: run, job: job, now: p.now) {
            case .skip(let text):
                message = text
            case .runAsCatchup:
                try await tx.execute("UPDATE runs SET trigger = 'catchup', lease_owner = NULL WHERE id = ?", [.text(run.id.rawValue)])
                continue
            }
            run.apply(.error(.misfire, message), at: p.now)
            try await Self.writeRunEnd(tx, run)
            try await recordTransition(tx, job: job, run: run, previous: .queued, at: p.now)
            result.created.append(run)
        }
    }

    /// Starts queued runs whose time has come, leasing them to the caller: one statement for
    /// the batch; runs another node is starting are skipped.
    private func startQueuedRuns(_ tx: Tx, params p: ClaimParams, into result: inout ClaimResult) async throws {
        let lease = p.now.addingTimeInterval(p.leaseDuration).millisecondPrecision
        var started = try await tx.rows(
            """
            UPDATE runs SET status = 'running', started_at = GREATEST(?, not_before), heartbeat_at = ?, lease_owner = ?,
                lease_expires_at = ?
            WHERE id IN (
                SELECT id FROM runs WHERE status = 'queued' AND not_before <= ? ORDER BY not_before, id LIMIT ?
                FOR UPDATE SKIP LOCKED)
            RETURNING \(Rows.runColumns)
            """,
            [
                .int(ms(p.now)), .int(ms(p.now)), .text(p.owner), .int(ms(lease)),
                .int(ms(p.now) + Int64((max(0, p.startAhead) * 1000).rounded())), .int(p.maxStart),
            ]
        ).map(Rows.run)
        started.sort { ($0.notBefore, $0.id) < ($1.notBefore, $1.id) }
        var jobs: [JobID: Job] = [:]
        if !started.isEmpty {
            let ids = Array(Set(started.map(\.jobId.rawValue)))
            for job in try await tx.rows("SELECT \(Rows.jobColumns) FROM jobs WHERE id = ANY(?)", [.texts(ids)]).map(Rows.job) {
                jobs[job.id] = job
            }
        }
        for var run in started {
            guard let job = jobs[run.jobId] else {
                run.apply(.error(.cancelled, "job deleted"), at: p.now)
                try await Self.writeRunEnd(tx, run)
                continue
            }
            try await recordTransition(tx, job: job, run: run, previous: .queued, at: run.startedAt ?? p.now)
            result.started.append(ClaimedRun(run: run, job: job))
        }
    }

    public func completeRuns(_ params: [CompleteRunParams]) async throws -> [CompletionResult] {
        guard !params.isEmpty else { return [] }
        return try await transaction { tx in
            let now: Date? = self.clockSource == .database ? try await self.transitionNow(tx, Date()) : nil
            return try await self.finishRuns(tx, params, now: now)
        }
    }

    /// Records endings in the caller's transaction; `now` (the database's clock) replaces the
    /// callers' instants when given.
    private func finishRuns(_ tx: Tx, _ params: [CompleteRunParams], now: Date?) async throws -> [CompletionResult] {
        guard !params.isEmpty else { return [] }
        var cache = PostgresJobCache()
        try await cache.lock(tx, runIds: params.map(\.runId))
        var results: [CompletionResult] = []
        for p in params {
            guard let run = cache.runs[p.runId] else { continue }
            let result = try await finishRun(
                tx, run: run, outcome: p.outcome, now: now ?? p.now.millisecondPrecision, retryJitter: p.retryJitter, jobs: &cache)
            cache.runs[p.runId] = result.run
            results.append(result)
        }
        try await cache.flush(tx)
        return results
    }

    /// Executes the run's ``EndingDecision``; the run's and its job's rows are locked.
    func finishRun(
        _ tx: Tx, run: Run, outcome: RunOutcome, now: Date, retryJitter: Double, jobs: inout PostgresJobCache
    ) async throws -> CompletionResult {
        let job = jobs.jobs[run.jobId] ?? nil
        guard !run.status.isTerminal else {
            return CompletionResult(run: run, job: job, recorded: false)
        }
        let previous = run.status
        var decision = EndingDecision.decide(run: run, job: job, outcome: outcome, now: now, retryJitter: retryJitter)
        jobs.endRun(decision.run)
        guard job != nil, let changed = decision.job else {
            return CompletionResult(run: decision.run, job: nil, recorded: true)
        }
        var result = CompletionResult(run: decision.run, job: changed, recorded: true)
        if let retirement = decision.retirement {
            result.retired = true
            try await Self.insertAudit(tx, retirement, jobId: changed.id, jobName: changed.name)
        }
        if let retry = decision.retry {
            if try await Self.insertRun(tx, retry) {
                result.retry = retry
                try await recordTransition(tx, job: changed, run: retry, previous: nil, at: now)
            } else {
                decision.retryRefused()
            }
        }
        result.completed = decision.completesJob
        result.deleted = decision.deletesJob
        let final = decision.job ?? changed
        result.deliveries = try await recordTransition(tx, job: final, run: decision.run, previous: previous, at: now)
        if result.deleted {
            try await tx.execute("DELETE FROM jobs WHERE id = ?", [.text(final.id.rawValue)])
            result.job = nil
        } else {
            jobs.dirty.insert(final.id)
            result.job = final
        }
        jobs.jobs[run.jobId] = .some(result.job)
        return result
    }

    public func recordHeartbeat(_ p: HeartbeatParams) async throws -> HeartbeatResult {
        guard !p.runIds.isEmpty else { return HeartbeatResult() }
        return try await transaction { tx in
            let now = try await self.transitionNow(tx, p.now)
            let ids = p.runIds.map(\.rawValue)
            let rows = try await tx.rows(
                """
                UPDATE runs SET heartbeat_at = ?, lease_expires_at = ?
                WHERE status = 'running' AND lease_owner = ? AND id = ANY(?)
                RETURNING id, cancel_requested
                """,
                [.int(ms(now)), .int(ms(now.addingTimeInterval(p.leaseDuration))), .text(p.owner), .texts(ids)])
            var result = HeartbeatResult()
            var held = Set<RunID>()
            for row in rows {
                let id = RunID(try row.text(0))
                held.insert(id)
                if try row.bool(1) { result.cancelRequested.insert(id) }
            }
            result.lost = Set(p.runIds).subtracting(held)
            return result
        }
    }

    public func rescueLostRuns(now callerNow: Date, isOwnerGone: @escaping @Sendable (String) -> Bool) async throws -> [CompletionResult] {
        // A cheap read first: most calls find nothing to do.
        let nowExpr = clockSource == .database ? "(extract(epoch FROM clock_timestamp()) * 1000)::bigint" : "?"
        let nowArgs: [Arg] = clockSource == .database ? [] : [.instant(callerNow)]
        let (expired, owners) = try await read { tx -> (Bool, [String]) in
            let expired = try await tx.count(
                "SELECT 1 FROM runs WHERE status = 'running' AND lease_expires_at < \(nowExpr) LIMIT 1", nowArgs) > 0
            let owners = try await tx.rows("SELECT DISTINCT lease_owner FROM runs WHERE status = 'running' AND lease_owner IS NOT NULL")
                .map { try $0.text(0) }
            return (expired, owners)
        }
        let gone = owners.filter(isOwnerGone)
        guard expired || !gone.isEmpty else { return [] }
        return try await transaction { tx in
            let now = try await self.transitionNow(tx, callerNow)
            var sql = "SELECT id FROM runs WHERE status = 'running' AND (lease_expires_at < ?"
            var args: [Arg] = [.int(ms(now))]
            if !gone.isEmpty {
                sql += " OR lease_owner = ANY(?)"
                args.append(.texts(gone))
            }
            sql += ")"
            let ids = try await tx.rows(sql, args).map { RunID(try $0.text(0)) }
            var cache = PostgresJobCache()
            try await cache.lock(tx, runIds: ids)
            var results: [CompletionResult] = []
            for id in ids {
                guard let run = cache.runs[id], run.status == .running else { continue }
                // Renewed meanwhile (read before the lock): not lost after all.
                let expiredNow = (run.leaseExpiresAt ?? .distantPast) < now
                guard expiredNow || (run.leaseOwner.map(gone.contains) ?? false) else { continue }
                let why = LostRunReason.message(for: run, ownerGone: run.leaseOwner.map(gone.contains) ?? false)
                let result = try await self.finishRun(tx, run: run, outcome: .error(.lost, why), now: now, retryJitter: 0, jobs: &cache)
                if result.recorded { results.append(result) }
            }
            try await cache.flush(tx)
            return results
        }
    }

    public func releaseUpcomingRuns(owner: String, now callerNow: Date) async throws -> Int {
        try await transaction { tx in
            let now = try await self.transitionNow(tx, callerNow)
            let released = try await tx.rows(
                """
                DELETE FROM runs
                WHERE status = 'queued' AND trigger = 'schedule' AND lease_owner = ? AND scheduled_for > ?
                RETURNING id, job_id, scheduled_for
                """,
                [.text(owner), .int(ms(now))])
            for row in released {
                let id = try row.text(0)
                let slot = try row.int(2)
                try await tx.execute("DELETE FROM deliveries WHERE run_id = ? AND status = 'pending'", [.text(id)])
                try await tx.execute(
                    "UPDATE jobs SET next_run_at = LEAST(COALESCE(next_run_at, ?), ?) WHERE id = ? AND status = 'active'",
                    [.int(slot), .int(slot), .text(try row.text(1))])
            }
            return released.count
        }
    }

    public func nextWakeTime(now callerNow: Date, lookahead: Double) async throws -> Date? {
        let sane = abs(callerNow.timeIntervalSince1970) < 4_000_000_000
        return try await read { tx in
            let now = sane ? try await self.transitionNow(tx, callerNow) : callerNow
            let shift = sane ? callerNow.timeIntervalSince(now) : 0
            let horizon = now.timeIntervalSince1970 >= Date.distantFuture.timeIntervalSince1970
                ? Int64.max : ms(now.addingTimeInterval(lookahead))
            let ahead = Int64((lookahead * 1000).rounded())
            let within = try await tx.one(
                Int64.self,
                """
                SELECT MIN(CASE
                    WHEN overlap <> 'allow' AND schedule_kind <> 'at'
                        AND EXISTS (SELECT 1 FROM runs WHERE runs.job_id = jobs.id AND runs.status IN ('queued', 'running'))
                    THEN next_run_at ELSE next_run_at - ? END)::bigint
                FROM jobs WHERE next_run_at IS NOT NULL AND next_run_at <= ?
                """,
                [.int(ahead), .int(horizon)])
            let beyond = try await tx.one(Int64.self, "SELECT MIN(next_run_at)::bigint FROM jobs WHERE next_run_at > ?", [.int(horizon)])
                .map { $0 - ahead }
            let queued = try await tx.one(Int64.self, "SELECT MIN(not_before)::bigint FROM runs WHERE status = 'queued'")
            return [within, beyond, queued].compactMap { $0 }.min().map { date(ms: $0).addingTimeInterval(shift) }
        }
    }

    public func externalChangeToken() async throws -> Int64 {
        try await read { tx in
            try await tx.one(Int64.self, "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM schedulerkit_changes") ?? 0
        } - ownChanges.load(ordering: .relaxed)
    }
}

/// The jobs and runs one transaction works on: locked once, in id order (jobs first), read
/// once, and the jobs written once.
struct PostgresJobCache {
    var jobs: [JobID: Job?] = [:]
    var runs: [RunID: Run] = [:]
    var dirty: Set<JobID> = []

    /// Locks the jobs of these runs, then the runs, and reads both.
    mutating func lock(_ tx: Tx, runIds: [RunID]) async throws {
        guard !runIds.isEmpty else { return }
        let ids = runIds.map(\.rawValue)
        let jobIds = try await tx.rows("SELECT DISTINCT job_id FROM runs WHERE id = ANY(?)", [.texts(ids)]).map { try $0.text(0) }
        if !jobIds.isEmpty {
            let found = try await tx.rows(
                "SELECT \(Rows.jobColumns) FROM jobs WHERE id = ANY(?) ORDER BY id FOR UPDATE", [.texts(jobIds)]
            ).map(Rows.job)
            for id in jobIds { jobs[JobID(id)] = .some(nil) }
            for job in found { jobs[job.id] = .some(job) }
        }
        for run in try await tx.rows(
            "SELECT \(Rows.runColumns) FROM runs WHERE id = ANY(?) ORDER BY id FOR UPDATE", [.texts(ids)]
        ).map(Rows.run) {
            runs[run.id] = run
        }
    }

    /// Runs ended in this transaction, written by ``flush(_:)`` in one statement.
    var endedRuns: [RunID: Run] = [:]

    /// Records a run's end, to be written with the others at ``flush(_:)``. Nothing read later
    /// in the transaction depends on the row (runs have no foreign key to their job).
    mutating func endRun(_ run: Run) {
        endedRuns[run.id] = run
    }

    /// Writes the ended runs and the changed jobs: one statement each, however many there are
    /// (a statement is a round trip, and a batch ends up to hundreds of runs).
    mutating func flush(_ tx: Tx) async throws {
        if !endedRuns.isEmpty {
            let rows = endedRuns.values.sorted { $0.id < $1.id }.map { run in
                RunEndRow(
                    id: run.id.rawValue, status: run.status.rawValue, finished_at: run.finishedAt.map { ms($0) },
                    exit_code: run.exitCode.map { Int64($0) }, error_type: run.errorType?.rawValue, error_code: run.errorCode,
                    error_category: run.errorCategory, error_message: run.errorMessage, output: run.output)
            }
            try await tx.execute(
                """
                UPDATE runs AS r SET status = x.status, finished_at = x.finished_at, exit_code = x.exit_code,
                    error_type = x.error_type, error_code = x.error_code, error_category = x.error_category,
                    error_message = x.error_message, output = x.output, lease_expires_at = NULL
                FROM jsonb_to_recordset(?::jsonb) AS x(id TEXT, status TEXT, finished_at BIGINT, exit_code BIGINT,
                    error_type TEXT, error_code TEXT, error_category TEXT, error_message TEXT, output TEXT)
                WHERE r.id = x.id COLLATE "C"
                """,
                [.text(try Self.json(rows))])
            endedRuns.removeAll()
        }
        let changed = dirty.sorted { $0.rawValue < $1.rawValue }.compactMap { id -> JobStateRow? in
            guard let cached = jobs[id], let job = cached else { return nil }
            return JobStateRow(
                id: job.id.rawValue, consecutive_errors: Int64(job.consecutiveErrors), last_run_at: job.lastRunAt.map { ms($0) },
                last_run_status: job.lastRunStatus?.rawValue, status: job.status.rawValue, next_run_at: job.nextRunAt.map { ms($0) })
        }
        dirty.removeAll()
        guard !changed.isEmpty else { return }
        try await tx.execute(
            """
            UPDATE jobs AS j SET consecutive_errors = x.consecutive_errors, last_run_at = x.last_run_at,
                last_run_status = x.last_run_status, status = x.status, next_run_at = x.next_run_at
            FROM jsonb_to_recordset(?::jsonb) AS x(id TEXT, consecutive_errors BIGINT, last_run_at BIGINT,
                last_run_status TEXT, status TEXT, next_run_at BIGINT)
            WHERE j.id = x.id COLLATE "C"
            """,
            [.text(try Self.json(changed))])
    }

    private static func json<T: Encodable>(_ rows: [T]) throws -> String {
        String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }
}

/// A run's end as `jsonb_to_recordset` reads it (absent keys are NULL).
private struct RunEndRow: Encodable {
    var id: String
    var status: String
    var finished_at: Int64?
    var exit_code: Int64?
    var error_type: String?
    var error_code: String?
    var error_category: String?
    var error_message: String?
    var output: String?
}

/// The columns an ending changes on its job.
private struct JobStateRow: Encodable {
    var id: String
    var consecutive_errors: Int64
    var last_run_at: Int64?
    var last_run_status: String?
    var status: String
    var next_run_at: Int64?
}
