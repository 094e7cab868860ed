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

    /// Turns the due slot(s) of one job into a run (or a recorded skip) and advances `nextRunAt`.
    private func enqueueDueSlots(_ db: Database, job: Job, params p: ClaimParams, into result: inout ClaimResult) throws {
        guard let first = job.nextRunAt else { return }
        let isOneShot: Bool
        if case .at = job.schedule { isOneShot = true } else { isOneShot = false }
        let plan: SlotPlan
        let ahead = first > p.now
        // The job's runs in progress, read once: the overlap policy needs them.
        var openRuns: [Run]?
        func open() throws -> [Run] {
            if let openRuns { return openRuns }
            let runs = try db.decodeAll(
                cached: "SELECT \(RowDecoding.runColumns) FROM runs WHERE job_id = ? AND status IN ('queued', 'running')",
                arguments: [job.id.rawValue], RowDecoding.run)
            openRuns = runs
            return runs
        }
        if ahead {
            // A slot within the lookahead: queued now, started at its instant. Only when no
            // decision about a run in progress is needed; otherwise it is claimed when due.
            if !isOneShot && job.overlap != .allow, try !open().isEmpty { return }
            plan = SlotPlan.upcoming(schedule: job.schedule, slot: first)
        } else {
            plan = SlotPlan.make(schedule: job.schedule, firstDue: first, now: p.now, grace: p.misfireGrace)
        }

        if let missed = plan.missedToSkip, job.misfire == .skip {
            var skip = Run(
                id: .generate(at: p.now), jobId: job.id, jobName: job.name, trigger: .schedule, scheduledFor: missed.slot,
                queuedAt: p.now)
            skip.apply(.error(.misfire, "\(missed.count) slot(s) missed while no scheduler was running; misfire policy skip"), at: p.now)
            if try Self.insertRun(db, skip) {
                result.created.append(skip)
                try recordTransition(db, job: job, run: skip, previous: nil, at: p.now)
            }
        }
        var runSlot: (slot: Date, trigger: RunTrigger)?
        switch job.misfire {
        case .runOnce: runSlot = plan.runOnce
        case .skip: runSlot = plan.onTime.map { ($0, .schedule) }
        }

        var job = job
        job.nextRunAt = plan.next
        if let (slot, trigger) = runSlot {
            let open = try open()
            var run = Run(
                id: .generate(at: p.now), jobId: job.id, jobName: job.name, trigger: trigger, scheduledFor: slot,
                queuedAt: p.now)
            if let jitter = job.jitter, jitter > 0 {
                run.notBefore = slot.addingTimeInterval(p.jitter(jitter)).millisecondPrecision
            } else {
                run.notBefore = slot
            }
            // Queued ahead of its instant: marked with the scheduler that did it, which releases
            // the slot again if it stops before the instant (`releaseUpcomingRuns`).
            if ahead { run.leaseOwner = p.owner }
            // A one-shot job has a single slot: it waits behind a run in progress rather than be skipped.
            let policy: OverlapPolicy = isOneShot ? .allow : job.overlap
            if !open.isEmpty {
                switch policy {
                case .skip:
                    let busy = open[0]
                    run.apply(.error(.overlap, "run \(busy.id) of an earlier slot is still \(busy.status.rawValue); overlap policy skip"), at: p.now)
                case .allow:
                    break
                case .replace:
                    for var other in open {
                        if other.status == .queued {
                            let previous = other.status
                            other.apply(.error(.replaced, "replaced by run \(run.id) for \(ISO8601.string(slot))"), at: p.now)
                            try Self.writeRunEnd(db, other)
                            try recordTransition(db, job: job, run: other, previous: previous, at: p.now)
                            result.created.append(other)
                        } else {
                            try db.execute(cached: "UPDATE runs SET cancel_requested = 1 WHERE id = ?", arguments: [other.id.rawValue])
                            result.cancelRequested.append(other.id)
                        }
                    }
                }
            }
            if try Self.insertRun(db, run) {
                result.created.append(run)
                try recordTransition(db, job: job, run: run, previous: nil, at: p.now)
            }
        } else if isOneShot {
            // The single slot was skipped by the misfire policy: the job's life is over.
            try finishOneShot(db, job: &job, at: p.now)
            if job.deleteAfterRun {
                try db.execute(cached: "DELETE FROM jobs WHERE id = ?", arguments: [job.id.rawValue])
                return
            }
        }
        try db.execute(
            cached: "UPDATE jobs SET next_run_at = ?, status = ? WHERE id = ?",
            arguments: [msOpt(job.nextRunAt), job.status.rawValue, job.id.rawValue])
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
            let late = Int(p.now.timeIntervalSince(run.scheduledFor).rounded())
            let why = "queued ahead by \(run.leaseOwner ?? "?"), which stopped before starting it; found \(late)s after its slot"
            let message: String
            if job.misfire == .skip {
                message = "\(why); misfire policy skip"
            } else if let next = job.nextRunAt, next <= p.now {
                message = "\(why); the job's catch-up run of its later missed slots replaces it (misfire policy runOnce)"
            } else {
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
        let results: [CompletionResult] = try params.compactMap { p -> CompletionResult? in
            guard let run = try Self.fetchRun(db, id: p.runId) else { return nil }
            return try finishRun(
                db, run: run, outcome: p.outcome, now: p.now.millisecondPrecision, retryJitter: p.retryJitter, jobs: &jobs)
        }
        try jobs.flush(db)
        return results
    }

    /// Records a run's end and everything that follows from it, in the caller's transaction.
    func finishRun(
        _ db: Database, run: Run, outcome: RunOutcome, now: Date, retryJitter: Double, jobs: inout JobCache
    ) throws -> CompletionResult {
        guard !run.status.isTerminal else {
            let job = try jobs.job(db, id: run.jobId)
            return CompletionResult(run: run, job: job, recorded: false)
        }
        var run = run
        let previous = run.status
        run.apply(outcome, at: now)
        try Self.writeRunEnd(db, run)
        guard var job = try jobs.job(db, id: run.jobId) else {
            return CompletionResult(run: run, job: nil, recorded: true)
        }
        var result = CompletionResult(run: run, job: job, recorded: true)
        defer { jobs.jobs[run.jobId] = .some(result.job) }

        // Streak rules: failed/timed_out add one, success resets, the rest leave it alone.
        if run.status.countsTowardStreak {
            job.consecutiveErrors += 1
        } else if run.status == .succeeded {
            job.consecutiveErrors = 0
        }
        job.lastRunAt = run.startedAt ?? now
        job.lastRunStatus = run.status

        if job.status == .active && run.status.countsTowardStreak && job.consecutiveErrors >= job.maxConsecutiveErrors {
            job.status = .failed
            job.nextRunAt = nil
            result.retired = true
            try Self.insertAudit(
                db,
                AuditRecord(
                    at: now, actor: "scheduler", action: .jobAutoFail,
                    details: [
                        "consecutive_errors": String(job.consecutiveErrors),
                        "max_consecutive_errors": String(job.maxConsecutiveErrors), "run_id": run.id.rawValue,
                        "run_status": run.status.rawValue,
                    ]),
                jobId: job.id, jobName: job.name)
        } else if job.status == .active, run.status.countsTowardStreak, let retry = job.retry, run.attempt < retry.maxAttempts,
            run.trigger != .manual
        {
            let delay = retry.delay(after: run.attempt) * (1 + 0.25 * retryJitter)
            let next = Run(
                id: .generate(at: now), jobId: job.id, jobName: job.name, trigger: .retry, scheduledFor: run.scheduledFor,
                attempt: run.attempt + 1, queuedAt: now, notBefore: now.addingTimeInterval(delay).millisecondPrecision)
            if try Self.insertRun(db, next) {
                result.retry = next
                try recordTransition(db, job: job, run: next, previous: nil, at: now)
            }
        }

        if case .at = job.schedule, job.status == .active, run.trigger != .manual, result.retry == nil {
            try finishOneShot(db, job: &job, at: now)
            if job.status == .completed { result.completed = true } else { result.deleted = true }
        }

        result.deliveries = try recordTransition(db, job: job, run: run, previous: previous, at: now)
        if result.deleted {
            try db.execute(cached: "DELETE FROM jobs WHERE id = ?", arguments: [job.id.rawValue])
            result.job = nil
        } else {
            // Written once per batch by `JobCache.flush`: a batch often ends several runs of one job.
            jobs.dirty.insert(job.id)
            result.job = job
        }
        return result
    }

    /// Ends a one-shot job's life: `completed`, or marked for deletion when `deleteAfterRun`
    /// (the caller deletes it after writing the outbox, which needs the job's name).
    private func finishOneShot(_ db: Database, job: inout Job, at now: Date) throws {
        job.nextRunAt = nil
        if !job.deleteAfterRun {
            job.status = .completed
        }
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
                let why: String
                if let owner = run.leaseOwner, gone.contains(owner) {
                    why = "worker \(owner) is gone (process no longer exists)"
                } else {
                    why = "lease expired at \(run.leaseExpiresAt.map { ISO8601.string($0) } ?? "?") (worker \(run.leaseOwner ?? "?") stopped renewing it)"
                }
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

/// Which runs a job's due slots turn into, given how late the scheduler is.
struct SlotPlan {
    /// The slot to run under misfire `runOnce`: the first due slot on time, or one catch-up for
    /// everything missed (scheduled for the latest missed slot).
    var runOnce: (Date, RunTrigger)?
    /// The latest due slot when it is within the grace period (misfire `skip` runs it).
    var onTime: Date?
    /// The slots misfire `skip` records as skipped: the latest one and how many.
    var missedToSkip: (slot: Date, count: Int)?
    /// The job's next slot after this claim.
    var next: Date?

    /// Bound on slots walked to find the latest one missed, so a long outage of a per-second
    /// schedule costs milliseconds, not a loop over every slot.
    static let maxWalk = 10_000

    /// A slot not yet due, claimed ahead of time: run it on time, then the next slot.
    static func upcoming(schedule: Schedule, slot: Date) -> SlotPlan {
        var plan = SlotPlan(next: schedule.nextFire(after: slot))
        plan.runOnce = (slot, .schedule)
        plan.onTime = slot
        return plan
    }

    static func make(schedule: Schedule, firstDue: Date, now: Date, grace: Double) -> SlotPlan {
        var latest = firstDue
        var count = 1
        var next: Date?
        switch schedule {
        case .every(let seconds, let anchor):
            let step = Double(seconds)
            let k = max(0, (now.timeIntervalSince(firstDue) / step).rounded(.down))
            latest = firstDue.addingTimeInterval(k * step)
            count = Int(k) + 1
            next = schedule.nextFire(after: max(now, latest))
            _ = anchor
        case .at:
            next = nil
        case .cron:
            next = schedule.nextFire(after: firstDue)
            var walked = 0
            while let n = next, n <= now {
                latest = n
                count += 1
                walked += 1
                if walked >= maxWalk {
                    // too many to walk: find the latest slot by probing back from now
                    latest = schedule.latestSlot(atOrBefore: now, notBefore: latest)
                    next = schedule.nextFire(after: now)
                    break
                }
                next = schedule.nextFire(after: n)
            }
        }
        var plan = SlotPlan(next: next)
        let latestOnTime = now.timeIntervalSince(latest) <= grace
        if count == 1 && latestOnTime {
            plan.runOnce = (firstDue, .schedule)
            plan.onTime = firstDue
        } else {
            plan.runOnce = (latest, .catchup)
            plan.onTime = latestOnTime ? latest : nil
            let skipped = latestOnTime ? count - 1 : count
            if skipped > 0 {
                // the latest slot that is not run
                let slot = latestOnTime ? (schedule.previousSlot(before: latest, notBefore: firstDue) ?? firstDue) : latest
                plan.missedToSkip = (slot, skipped)
            }
        }
        return plan
    }
}

extension Schedule {
    /// The slot before `date`, for recording a skipped slot; nil when it cannot be found cheaply.
    func previousSlot(before date: Date, notBefore floor: Date) -> Date? {
        switch self {
        case .every(let seconds, _):
            let p = date.addingTimeInterval(-Double(seconds))
            return p >= floor ? p : nil
        case .at:
            return nil
        case .cron:
            // cron slots are whole seconds: the one before `date` is the latest at or before date - 1 ms
            let before = date.addingTimeInterval(-0.001)
            return before >= floor ? latestSlot(atOrBefore: before, notBefore: floor) : nil
        }
    }

    /// The latest slot at or before `date`, given `floor`, a slot at or before it.
    ///
    /// Probes back from `date` in doubling windows, so that a long outage costs a few lookups
    /// rather than a walk over every slot since `floor`.
    func latestSlot(atOrBefore date: Date, notBefore floor: Date) -> Date {
        func walk(from start: Date) -> Date {
            var last = start
            var walked = 0
            while walked < SlotPlan.maxWalk, let n = nextFire(after: last), n <= date {
                last = n
                walked += 1
            }
            return last
        }
        var window = 1.0
        while true {
            let from = date.addingTimeInterval(-window)
            if from <= floor { return walk(from: floor) }
            if let first = nextFire(after: from), first <= date { return walk(from: first) }
            window *= 2
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
