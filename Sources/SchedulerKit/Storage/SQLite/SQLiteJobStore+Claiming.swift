import Foundation
import GRDB

extension SQLiteJobStore {
    public func claimDueRuns(_ params: ClaimParams) async throws -> ClaimResult {
        // Instants are stored to the millisecond; so are those in the result, which then equals the rows.
        var normalized = params
        normalized.now = params.now.millisecondPrecision
        let p = normalized
        return try await write(notify: false) { db in try self.claim(db, p) }
    }

    public func completeRunsAndClaim(_ endings: [CompleteRunParams], _ params: ClaimParams) async throws -> ([CompletionResult], ClaimResult) {
        var normalized = params
        normalized.now = params.now.millisecondPrecision
        let p = normalized
        return try await write(notify: false) { db in
            let results = try self.finishRuns(db, endings)
            return (results, try self.claim(db, p))
        }
    }

    /// The claim of `claimDueRuns`, in the caller's transaction.
    private func claim(_ db: Database, _ p: ClaimParams) throws -> ClaimResult {
        var result = ClaimResult()
        if p.maxStart > 0 {
            // Before the due jobs advance: whether a job has missed slots of its own decides.
            try settleAbandonedUpcomingRuns(db, params: p, into: &result)
        }
        let due = try db.decodeAll(
            cached: """
                SELECT \(RowDecoding.jobColumns) FROM jobs
                WHERE next_run_at <= ? AND status = 'active' ORDER BY next_run_at LIMIT ?
                """,
            arguments: [ms(max(p.now, p.horizon ?? p.now)), p.maxEnqueue], RowDecoding.job)
        for job in due {
            try enqueueDueSlots(db, job: job, params: p, into: &result)
        }
        if p.maxStart > 0 {
            try startQueuedRuns(db, params: p, into: &result)
        }
        return result
    }

    /// Turns the due slot(s) of one job into a run (or a recorded skip) and advances `nextRunAt`:
    /// executes the job's ``SlotDecision``.
    private func enqueueDueSlots(_ db: Database, job: Job, params p: ClaimParams, into result: inout ClaimResult) throws {
        // The job's runs in progress, read once: the overlap policy needs them.
        let openRuns = try db.decodeAll(
            cached: "SELECT \(RowDecoding.runColumns) FROM runs WHERE job_id = ? AND status IN ('queued', 'running')",
            arguments: [job.id.rawValue], RowDecoding.run)
        guard
            let decision = SlotDecision.decide(
                job: job, openRuns: openRuns, now: p.now, misfireGrace: p.misfireGrace, owner: p.owner, jitter: p.jitter),
            !decision.waits
        else { return }
        if let skip = decision.skipped, try Self.insertRun(db, skip) {
            result.created.append(skip)
            try recordTransition(db, job: job, run: skip, previous: nil, at: p.now)
        }
        for other in decision.replaced {
            try Self.writeRunEnd(db, other)
            try recordTransition(db, job: decision.job, run: other, previous: .queued, at: p.now)
            result.created.append(other)
        }
        for id in decision.cancelRequested {
            try db.execute(cached: "UPDATE runs SET cancel_requested = 1 WHERE id = ?", arguments: [id.rawValue])
            result.cancelRequested.append(id)
        }
        if let run = decision.run, try Self.insertRun(db, run) {
            result.created.append(run)
            try recordTransition(db, job: decision.job, run: run, previous: nil, at: p.now)
        }
        if decision.deletesJob {
            try db.execute(cached: "DELETE FROM jobs WHERE id = ?", arguments: [job.id.rawValue])
            return
        }
        try db.execute(
            cached: "UPDATE jobs SET next_run_at = ?, status = ? WHERE id = ?",
            arguments: [msOpt(decision.job.nextRunAt), decision.job.status.rawValue, job.id.rawValue])
    }

    /// Applies the misfire policy to runs another scheduler queued ahead of their slot and never
    /// started (it died inside the lookahead window), once their slot is past the misfire grace:
    /// such a slot was missed while no scheduler ran, like any other (decision 0017).
    ///
    /// Runs this scheduler queued itself wait for a worker like any queued run. The scan is on
    /// the queued-runs index, bounded to runs due more than `misfireGrace` ago: none, normally.
    private func settleAbandonedUpcomingRuns(_ db: Database, params p: ClaimParams, into result: inout ClaimResult) throws {
        let graceEnd = ms(p.now) - Int64((max(0, p.misfireGrace) * 1000).rounded())
        let abandoned = try db.decodeAll(
            cached: """
                SELECT \(RowDecoding.runColumns) FROM runs
                WHERE status = 'queued' AND not_before < ? AND trigger = 'schedule' AND lease_owner IS NOT NULL
                    AND lease_owner <> ? AND scheduled_for < ?
                """,
            arguments: [graceEnd, p.owner, graceEnd], RowDecoding.run)
        guard !abandoned.isEmpty else { return }
        var jobs = JobCache()
        for var run in abandoned {
            // A run whose job is gone is cancelled when it is started below.
            guard let job = try jobs.job(db, id: run.jobId), job.status == .active else { continue }
            let message: String
            switch AbandonedRunDecision.decide(run: run, job: job, now: p.now) {
            case .skip(let text):
                message = text
            case .runAsCatchup:
                // Run once, late: it is the catch-up of the missed slot (started below, in this claim
                // if a worker is free).
                try db.execute(cached: "UPDATE runs SET trigger = 'catchup', lease_owner = NULL WHERE id = ?", arguments: [run.id.rawValue])
                continue
            }
            run.apply(.error(.misfire, message), at: p.now)
            try Self.writeRunEnd(db, run)
            try recordTransition(db, job: job, run: run, previous: .queued, at: p.now)
            result.created.append(run)
        }
    }

    /// Starts queued runs whose time has come, leasing them to the caller: one statement for
    /// the whole batch, so a thousand runs due at once start together.
    private func startQueuedRuns(_ db: Database, params p: ClaimParams, into result: inout ClaimResult) throws {
        let lease = p.now.addingTimeInterval(p.leaseDuration).millisecondPrecision
        var started = try db.decodeAll(
            cached: """
                UPDATE runs SET status = 'running', started_at = MAX(?, not_before), heartbeat_at = ?, lease_owner = ?,
                    lease_expires_at = ?
                WHERE id IN (
                    SELECT id FROM runs WHERE status = 'queued' AND not_before <= ? ORDER BY not_before, id LIMIT ?)
                RETURNING \(RowDecoding.runColumns)
                """,
            arguments: [ms(p.now), ms(p.now), p.owner, ms(lease), ms(p.now) + Int64((max(0, p.startAhead) * 1000).rounded()), p.maxStart],
            RowDecoding.run)
        started.sort { ($0.notBefore, $0.id) < ($1.notBefore, $1.id) }
        var jobs = JobCache()
        if started.count > 1 {
            // The jobs of the whole batch in one statement (the runs just leased are found by
            // their lease through the partial index on running runs).
            let batch = try db.decodeAll(
                cached: """
                    SELECT \(RowDecoding.jobColumns) FROM jobs WHERE id IN (
                        SELECT job_id FROM runs WHERE status = 'running' AND lease_expires_at = ? AND lease_owner = ?)
                    """,
                arguments: [ms(lease), p.owner], RowDecoding.job)
            for job in batch { jobs.jobs[job.id] = .some(job) }
        }
        for var run in started {
            guard let job = try jobs.job(db, id: run.jobId) else {
                // Its job is gone (deleted by a process that did not cancel it): it cannot run.
                run.apply(.error(.cancelled, "job deleted"), at: p.now)
                try Self.writeRunEnd(db, run)
                continue
            }
            try recordTransition(db, job: job, run: run, previous: .queued, at: run.startedAt ?? p.now)
            result.started.append(ClaimedRun(run: run, job: job))
        }
    }

    public func completeRuns(_ params: [CompleteRunParams]) async throws -> [CompletionResult] {
        guard !params.isEmpty else { return [] }
        return try await write(notify: false) { db in try self.finishRuns(db, params) }
    }

    /// The recording of `completeRuns`, in the caller's transaction.
    private func finishRuns(_ db: Database, _ params: [CompleteRunParams]) throws -> [CompletionResult] {
        // A run that vanished (pruned) has nothing to record; the others still are.
        var jobs = JobCache()
        var batch: [RunID: Run]?
        if params.count > 1 {
            // The runs of the batch and their jobs in two statements, not two per ending. Ending
            // a run changes no other run's row, so reading them all first reads what each
            // ending would have read; jobs are kept up to date in the cache as endings change them.
            let ids = JSONValue.array(params.map { .string($0.runId.rawValue) }).serialized()
            let runs = try db.decodeAll(
                cached: "SELECT \(RowDecoding.runColumns) FROM runs WHERE id IN (SELECT value FROM json_each(?))",
                arguments: [ids], RowDecoding.run)
            batch = Dictionary(runs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let found = try db.decodeAll(
                cached: """
                    SELECT \(RowDecoding.jobColumns) FROM jobs
                    WHERE id IN (SELECT job_id FROM runs WHERE id IN (SELECT value FROM json_each(?)))
                    """,
                arguments: [ids], RowDecoding.job)
            for run in runs { jobs.jobs[run.jobId] = .some(nil) }
            for job in found { jobs.jobs[job.id] = .some(job) }
        }
        let results: [CompletionResult] = try params.compactMap { p -> CompletionResult? in
            guard let run = try batch.map({ $0[p.runId] }) ?? Self.fetchRun(db, id: p.runId) else { return nil }
            let result = try finishRun(
                db, run: run, outcome: p.outcome, now: p.now.millisecondPrecision, retryJitter: p.retryJitter, jobs: &jobs)
            // The same run twice in one batch: the second finds it ended, as it would in the table.
            batch?[p.runId] = result.run
            return result
        }
        try jobs.flush(db)
        return results
    }

    /// Records a run's end and everything that follows from it, in the caller's transaction:
    /// executes the run's ``EndingDecision``.
    func finishRun(
        _ db: Database, run: Run, outcome: RunOutcome, now: Date, retryJitter: Double, jobs: inout JobCache
    ) throws -> CompletionResult {
        guard !run.status.isTerminal else {
            let job = try jobs.job(db, id: run.jobId)
            return CompletionResult(run: run, job: job, recorded: false)
        }
        let previous = run.status
        let job = try jobs.job(db, id: run.jobId)
        var decision = EndingDecision.decide(run: run, job: job, outcome: outcome, now: now, retryJitter: retryJitter)
        try Self.writeRunEnd(db, decision.run)
        guard job != nil, let changed = decision.job else {
            return CompletionResult(run: decision.run, job: nil, recorded: true)
        }
        var result = CompletionResult(run: decision.run, job: changed, recorded: true)
        if let retirement = decision.retirement {
            result.retired = true
            try Self.insertAudit(db, retirement, jobId: changed.id, jobName: changed.name)
        }
        if let retry = decision.retry {
            if try Self.insertRun(db, retry) {
                result.retry = retry
                try recordTransition(db, job: changed, run: retry, previous: nil, at: now)
            } else {
                decision.retryRefused()
            }
        }
        result.completed = decision.completesJob
        result.deleted = decision.deletesJob
        let final = decision.job ?? changed
        result.deliveries = try recordTransition(db, job: final, run: decision.run, previous: previous, at: now)
        if result.deleted {
            try db.execute(cached: "DELETE FROM jobs WHERE id = ?", arguments: [final.id.rawValue])
            result.job = nil
        } else {
            // Written once per batch by `JobCache.flush`: a batch often ends several runs of one job.
            jobs.dirty.insert(final.id)
            result.job = final
        }
        jobs.jobs[run.jobId] = .some(result.job)
        return result
    }

    public func recordHeartbeat(_ p: HeartbeatParams) async throws -> HeartbeatResult {
        guard !p.runIds.isEmpty else { return HeartbeatResult() }
        return try await write(notify: false) { db in
            let ids = p.runIds.map(\.rawValue)
            let lease = ms(p.now.addingTimeInterval(p.leaseDuration))
            try db.execute(
                cached: """
                    UPDATE runs SET heartbeat_at = ?, lease_expires_at = ?
                    WHERE status = 'running' AND lease_owner = ? AND id IN (\(Self.placeholders(ids.count)))
                    """,
                arguments: [ms(p.now), lease, p.owner] + StatementArguments(ids))
            let rows = try Row.fetchAll(
                cached: db,
                sql: """
                    SELECT id, cancel_requested FROM runs
                    WHERE status = 'running' AND lease_owner = ? AND id IN (\(Self.placeholders(ids.count)))
                    """,
                arguments: [p.owner] + StatementArguments(ids))
            var result = HeartbeatResult()
            var held = Set<RunID>()
            for row in rows {
                let id = RunID(row["id"] as String)
                held.insert(id)
                if row["cancel_requested"] as Bool { result.cancelRequested.insert(id) }
            }
            result.lost = Set(p.runIds).subtracting(held)
            return result
        }
    }

    public func rescueLostRuns(now: Date, isOwnerGone: @escaping @Sendable (String) -> Bool) async throws -> [CompletionResult] {
        let now = now.millisecondPrecision
        // Cheap read first: most calls find nothing to do and take no write lock.
        let candidates = try await read { db -> Bool in
            let expired = try Bool.fetchOne(
                cached: db, sql: "SELECT 1 FROM runs WHERE status = 'running' AND lease_expires_at < ? LIMIT 1", arguments: [ms(now)]) ?? false
            if expired { return true }
            let owners = try String.fetchAll(cached: db, sql: "SELECT DISTINCT lease_owner FROM runs WHERE status = 'running'")
            return owners.contains(where: isOwnerGone)
        }
        guard candidates else { return [] }
        return try await write(notify: false) { db in
            let owners = try String.fetchAll(cached: db, sql: "SELECT DISTINCT lease_owner FROM runs WHERE status = 'running'")
            let gone = owners.filter(isOwnerGone)
            var sql = "SELECT \(RowDecoding.runColumns) FROM runs WHERE status = 'running' AND (lease_expires_at < ?"
            var args: StatementArguments = [ms(now)]
            if !gone.isEmpty {
                sql += " OR lease_owner IN (\(Self.placeholders(gone.count)))"
                args += StatementArguments(gone)
            }
            sql += ")"
            let lost = try db.decodeAll(cached: sql, arguments: args, RowDecoding.run)
            var jobs = JobCache()
            let results: [CompletionResult] = try lost.map { run -> CompletionResult in
                let why = LostRunReason.message(for: run, ownerGone: run.leaseOwner.map(gone.contains) ?? false)
                return try self.finishRun(db, run: run, outcome: .error(.lost, why), now: now, retryJitter: 0, jobs: &jobs)
            }
            try jobs.flush(db)
            return results
        }
    }

    public func releaseUpcomingRuns(owner: String, now: Date) async throws -> Int {
        let now = now.millisecondPrecision
        return try await write(notify: false) { db in
            let released = try Row.fetchAll(
                cached: db,
                sql: """
                    SELECT id, job_id, scheduled_for FROM runs
                    WHERE status = 'queued' AND trigger = 'schedule' AND lease_owner = ? AND scheduled_for > ?
                    """,
                arguments: [owner, ms(now)])
            for row in released {
                let id: String = row[0]
                let jobId: String = row[1]
                let slot: Int64 = row[2]
                try db.execute(cached: "DELETE FROM deliveries WHERE run_id = ? AND status = 'pending'", arguments: [id])
                try db.execute(cached: "DELETE FROM runs WHERE id = ?", arguments: [id])
                // The slot is the job's next one again (a job paused meanwhile stays without one).
                try db.execute(
                    cached: """
                        UPDATE jobs SET next_run_at = MIN(COALESCE(next_run_at, ?), ?) WHERE id = ? AND status = 'active'
                        """,
                    arguments: [slot, slot, jobId])
            }
            return released.count
        }
    }

    public func nextWakeTime(now: Date, lookahead: Double) async throws -> Date? {
        let horizon = now.timeIntervalSince1970 >= Date.distantFuture.timeIntervalSince1970 ? Int64.max : ms(now.addingTimeInterval(lookahead))
        let ahead = Int64((lookahead * 1000).rounded())
        return try await read { db in
            // Slots are claimed `lookahead` early, except a slot that waits for its instant because
            // a run of the job is in progress and its overlap policy must decide then. Slots
            // within the lookahead are few; later ones cost one index lookup.
            let within = try Int64.fetchOne(
                cached: db,
                sql: """
                    SELECT MIN(CASE
                        WHEN overlap != 'allow' AND schedule_kind != 'at'
                            AND EXISTS (SELECT 1 FROM runs WHERE runs.job_id = jobs.id AND runs.status IN ('queued', 'running'))
                        THEN next_run_at ELSE next_run_at - ? END)
                    FROM jobs WHERE next_run_at IS NOT NULL AND next_run_at <= ?
                    """,
                arguments: [ahead, horizon])
            let beyond = try Int64.fetchOne(cached: db, sql: "SELECT MIN(next_run_at) FROM jobs WHERE next_run_at > ?", arguments: [horizon])
                .map { $0 - ahead }
            let queued = try Int64.fetchOne(cached: db, sql: "SELECT MIN(not_before) FROM runs WHERE status = 'queued'")
            return [within, beyond, queued].compactMap { $0 }.min().map { date(ms: $0) }
        }
    }

    public func externalChangeToken() async throws -> Int64 {
        do {
            // data_version on the writer connection changes only when another connection commits:
            // other processes, since every write of this process goes through this connection.
            return try await pool.writeWithoutTransaction { db in
                try Int64.fetchOne(cached: db, sql: "PRAGMA data_version") ?? 0
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }
}

/// Jobs read during one transaction, so a batch of runs of the same job reads it once and
/// writes it once; a cached `nil` means the job is gone.
struct JobCache {
    var jobs: [JobID: Job?] = [:]
    /// Jobs whose run summary, streak or status changed, written by `flush`.
    var dirty: Set<JobID> = []

    /// Writes the run-driven fields of the changed jobs.
    mutating func flush(_ db: Database) throws {
        for id in dirty {
            guard let cached = jobs[id], let job = cached else { continue }
            try db.execute(
                cached: """
                    UPDATE jobs SET consecutive_errors = ?, last_run_at = ?, last_run_status = ?, status = ?, next_run_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    job.consecutiveErrors, msOpt(job.lastRunAt), job.lastRunStatus?.rawValue, job.status.rawValue,
                    msOpt(job.nextRunAt), job.id.rawValue,
                ])
        }
        dirty.removeAll()
    }

    mutating func job(_ db: Database, id: JobID) throws -> Job? {
        if let cached = jobs[id] { return cached }
        let job = try SQLiteJobStore.fetchJob(db, id: id)
        jobs[id] = .some(job)
        return job
    }
}
