import Foundation

/// The operator API: add, change, pause, resume and inspect jobs, runs, alerts and the audit log.
///
/// It works on a store alone, without a running scheduler, so an operator can act while a
/// daemon runs in another process (which notices within a second). A ``Scheduler`` in this
/// process wakes at once.
///
/// For example:
/// ```swift
/// let client = SchedulerClient(store: try SQLiteJobStore(path: path))
/// try await client.resumeJob("backup", force: true)
/// ```
public struct SchedulerClient: Sendable {
    public let store: any JobStore
    /// The store's optional abilities, found once here.
    public let abilities: StoreAbilities
    public let clock: any SchedulerClock
    /// Written to the audit log as who did it, e.g. `cli:alice` or `api`.
    public var actor: String

    public init(store: any JobStore, clock: any SchedulerClock = SystemClock(), actor: String = "api") {
        self.store = store
        self.abilities = StoreAbilities(of: store)
        self.clock = clock
        self.actor = actor
    }

    func audit(_ action: AuditAction, _ details: [String: String] = [:], at now: Date) -> AuditRecord {
        AuditRecord(at: now, actor: actor, action: action, details: details)
    }

    // MARK: - Looking up

    /// The job whose id or name is `ref`.
    ///
    /// - throws: `.notFound`.
    public func job(_ ref: String) async throws -> Job {
        if let job = try await store.job(id: JobID(ref)) { return job }
        if let job = try await store.job(named: ref) { return job }
        throw SchedulerError(.notFound, "no job named or with id \"\(ref)\"", remedy: .listJobs)
    }

    /// Jobs, by name; optionally only those with `status`.
    public func jobs(status: JobStatus? = nil, limit: Int? = nil, after name: String? = nil) async throws -> [Job] {
        try await store.jobs(JobQuery(status: status, limit: limit, afterName: name))
    }

    /// The run with this id.
    ///
    /// - throws: `.notFound`.
    public func run(_ id: String) async throws -> Run {
        guard let run = try await store.run(id: RunID(id)) else {
            throw SchedulerError(.notFound, "no run with id \"\(id)\"", remedy: .listRuns)
        }
        return run
    }

    /// Runs, newest first; of one job (by id or name) when `job` is given.
    public func runs(job ref: String? = nil, statuses: [RunStatus]? = nil, before: RunID? = nil, limit: Int? = 50) async throws -> [Run] {
        var jobId: JobID?
        if let ref {
            do {
                jobId = try await job(ref).id
            } catch let e as SchedulerError where e.code == .notFound {
                // A deleted job's history stays: accept its id as written in its runs.
                jobId = JobID(ref)
                if try await store.runs(RunQuery(jobId: jobId, limit: 1)).isEmpty { throw e }
            }
        }
        return try await store.runs(RunQuery(jobId: jobId, statuses: statuses, before: before, limit: limit))
    }

    /// Audit entries, newest first; of one job when `job` is given.
    public func audit(job ref: String? = nil, limit: Int? = 100) async throws -> [AuditEntry] {
        var jobId: JobID?
        if let ref {
            do {
                jobId = try await job(ref).id
            } catch let e as SchedulerError where e.code == .notFound {
                // A deleted job's audit trail stays: accept its id as written in the log.
                jobId = JobID(ref)
                if try await store.auditEntries(AuditQuery(jobId: jobId, limit: 1)).isEmpty { throw e }
            }
        }
        return try await store.auditEntries(AuditQuery(jobId: jobId, limit: limit))
    }

    // MARK: - Jobs

    /// Validates `spec`, gives the job an id and its first `nextRunAt`, and stores it (audit `job.create`).
    ///
    /// - throws: `.invalidInput` for a bad name or option, `.alreadyExists` for a taken name.
    @discardableResult
    public func addJob(_ spec: JobSpec) async throws -> Job {
        try Job.validateName(spec.name)
        try Self.validate(spec)
        let now = clock.now().millisecondPrecision
        var schedule = spec.schedule
        if case .every(let seconds, let anchor) = schedule {
            schedule = .every(seconds: seconds, anchor: anchor.millisecondPrecision)
        } else if case .at(let instant) = schedule {
            schedule = .at(instant.millisecondPrecision)
        }
        let next: Date?
        switch schedule {
        case .at(let instant):
            next = instant  // a past instant runs once as soon as a scheduler runs (misfire runOnce)
        default:
            guard let n = schedule.nextFire(after: now) else {
                throw SchedulerError(.invalidInput, "schedule \(schedule.summary) never fires")
            }
            next = n
        }
        let job = Job(
            id: .generate(at: now), name: spec.name, schedule: schedule, kind: spec.kind, payload: spec.payload,
            timeout: spec.timeout, maxConsecutiveErrors: spec.maxConsecutiveErrors, status: .active,
            nextRunAt: next?.millisecondPrecision, overlap: spec.overlap, misfire: spec.misfire, jitter: spec.jitter,
            retry: spec.retry, deleteAfterRun: spec.deleteAfterRun, stateWebhookURL: spec.stateWebhookURL,
            stateWebhookSecret: spec.stateWebhookSecret, createdAt: now,
            updatedAt: now)
        var details = ["schedule": schedule.summary, "kind": spec.kind]
        if spec.kind == ShellPayload.kind, let shell = try? spec.payload.decode(ShellPayload.self) {
            details["command"] = shell.command.joined(separator: " ")
        }
        try await store.insertJob(job, audit: audit(.jobCreate, details, at: now))
        return job
    }

    /// Applies `update` to a job (audit `job.update`); a new schedule of an active job re-arms it.
    @discardableResult
    public func updateJob(_ ref: String, _ update: JobUpdate) async throws -> Job {
        let id = try await job(ref).id
        if let name = update.name { try Job.validateName(name) }
        let now = clock.now().millisecondPrecision
        let actor = self.actor
        return try await store.modifyJob(id: id) { job in
            var changed: [String: String] = [:]
            if let v = update.name, v != job.name { job.name = v; changed["name"] = v }
            if var v = update.schedule {
                // kept to the millisecond, as addJob does, so the job returned is the job stored
                if case .every(let seconds, let anchor) = v {
                    v = .every(seconds: seconds, anchor: anchor.millisecondPrecision)
                } else if case .at(let instant) = v {
                    v = .at(instant.millisecondPrecision)
                }
                job.schedule = v
                changed["schedule"] = v.summary
            }
            if let v = update.payload { job.payload = v; changed["payload"] = String(decoding: v.json, as: UTF8.self) }
            if let v = update.timeout { job.timeout = v; changed["timeout_seconds"] = v.map { String($0) } ?? "none" }
            if let v = update.maxConsecutiveErrors { job.maxConsecutiveErrors = v; changed["max_consecutive_errors"] = String(v) }
            if let v = update.overlap { job.overlap = v; changed["overlap"] = v.rawValue }
            if let v = update.misfire { job.misfire = v; changed["misfire"] = v.rawValue }
            if let v = update.jitter { job.jitter = v; changed["jitter_seconds"] = v.map { String($0) } ?? "none" }
            if let v = update.retry { job.retry = v; changed["retry"] = v.map { "\($0.maxAttempts) attempts" } ?? "none" }
            if let v = update.deleteAfterRun { job.deleteAfterRun = v; changed["delete_after_run"] = String(v) }
            if let v = update.stateWebhookURL { job.stateWebhookURL = v; changed["state_webhook"] = v == nil ? "none" : "set" }
            if let v = update.stateWebhookSecret {
                job.stateWebhookSecret = v
                changed["state_webhook_secret"] = v == nil ? "none" : "***"
            }
            try Self.validate(JobSpec(
                name: job.name, schedule: job.schedule, kind: job.kind, payload: job.payload, timeout: job.timeout,
                maxConsecutiveErrors: job.maxConsecutiveErrors, overlap: job.overlap, misfire: job.misfire, jitter: job.jitter,
                retry: job.retry, deleteAfterRun: job.deleteAfterRun, stateWebhookURL: job.stateWebhookURL,
                stateWebhookSecret: job.stateWebhookSecret))
            if update.schedule != nil, job.status == .active {
                if case .at(let instant) = job.schedule {
                    job.nextRunAt = instant
                } else {
                    job.nextRunAt = job.schedule.nextFire(after: now)?.millisecondPrecision
                }
            }
            job.updatedAt = now
            return AuditRecord(at: now, actor: actor, action: .jobUpdate, details: changed)
        }
    }

    /// Deletes a job and its alerts (audit `job.delete`). Its finished runs stay as history; its
    /// queued runs (a slot already queued ahead of its instant included) are cancelled and its
    /// running runs asked to stop.
    @discardableResult
    public func deleteJob(_ ref: String) async throws -> Job {
        let job = try await job(ref)
        let now = clock.now()
        return try await store.deleteJob(id: job.id, audit: audit(.jobDelete, ["schedule": job.schedule.summary], at: now))
    }

    /// Stops scheduling an active job (audit `job.pause`).
    ///
    /// Its queued runs are cancelled in the same transaction (code `cancelled`, "job paused"):
    /// the slot a scheduler queued ahead of its instant does not run. A run already started
    /// (leased, up to `startAhead` before its instant) runs to its end.
    ///
    /// - throws: `.refused` unless the job is `active`.
    @discardableResult
    public func pauseJob(_ ref: String) async throws -> Job {
        let id = try await job(ref).id
        let now = clock.now().millisecondPrecision
        let actor = self.actor
        return try await store.modifyJob(id: id) { job in
            guard job.status == .active else {
                throw SchedulerError(
                    .refused, "job \"\(job.name)\" is \(job.status.rawValue); only an active job can be paused", jobStatus: job.status)
            }
            job.status = .paused
            job.nextRunAt = nil
            job.updatedAt = now
            return AuditRecord(at: now, actor: actor, action: .jobPause)
        }
    }

    /// Brings a paused job back; with `force`, also a job retired to `failed`.
    ///
    /// Without force only `paused` is accepted. With force, `paused` and `failed` are accepted,
    /// the failure streak is cleared and `nextRunAt` is recomputed from the schedule relative to
    /// now (audit `job.resume:force`). `completed` is always refused, and so is a schedule with no
    /// future fire time.
    ///
    /// - throws: `.refused` with the job's status when the state forbids it.
    @discardableResult
    public func resumeJob(_ ref: String, force: Bool = false) async throws -> Job {
        let id = try await job(ref).id
        let now = clock.now().millisecondPrecision
        let actor = self.actor
        return try await store.modifyJob(id: id) { job in
            switch job.status {
            case .paused:
                break
            case .failed where force:
                break
            case .failed:
                throw SchedulerError(
                    .refused, "job \"\(job.name)\" is failed (retired after \(job.consecutiveErrors) consecutive errors)",
                    remedy: .forceResume, jobStatus: .failed)
            case .active:
                throw SchedulerError(.refused, "job \"\(job.name)\" is already active; only a paused job can be resumed", jobStatus: .active)
            case .completed:
                throw SchedulerError(
                    .refused, "job \"\(job.name)\" is completed; a one-shot job that ran cannot be resumed",
                    hint: "add a new job, or use run-now on an active one", jobStatus: .completed)
            }
            guard let next = job.schedule.nextFire(after: now) else {
                throw SchedulerError(
                    .refused, "job \"\(job.name)\" has no future fire time (\(job.schedule.summary) is in the past)",
                    hint: "reschedule it, or use run-now", jobStatus: job.status)
            }
            let previous = job.status
            job.status = .active
            job.nextRunAt = next.millisecondPrecision
            job.updatedAt = now
            if force {
                let cleared = job.consecutiveErrors
                job.consecutiveErrors = 0
                return AuditRecord(
                    at: now, actor: actor, action: .jobResumeForce,
                    details: ["from_status": previous.rawValue, "cleared_consecutive_errors": String(cleared)])
            }
            return AuditRecord(at: now, actor: actor, action: .jobResume, details: ["from_status": previous.rawValue])
        }
    }

    /// Queues a `manual` run of an active job, started as soon as a worker is free; `nextRunAt`
    /// does not move (audit `job.run_now`).
    ///
    /// - throws: `.refused` unless the job is `active`.
    @discardableResult
    public func runJobNow(_ ref: String) async throws -> Run {
        let job = try await job(ref)
        let now = clock.now().millisecondPrecision
        let run = Run(id: .generate(at: now), jobId: job.id, jobName: job.name, trigger: .manual, scheduledFor: now, queuedAt: now)
        try await store.enqueueRun(
            run,
            check: { job in
                guard job.status == .active else {
                    throw SchedulerError(
                        .refused, "job \"\(job.name)\" is \(job.status.rawValue); only an active job can be run now",
                        hint: job.status == .paused ? "resume it first" : job.status == .failed ? "use resume --force first" : nil,
                        jobStatus: job.status)
                }
            }, audit: audit(.jobRunNow, ["run_id": run.id.rawValue], at: now))
        return run
    }

    // MARK: - Alerts

    /// Adds an alert to a job (audit `alert.create`).
    ///
    /// - throws: `.invalidInput` for a bad URL or address, or a secret on an email alert.
    @discardableResult
    public func addAlert(_ ref: String, _ spec: AlertSpec) async throws -> Alert {
        let job = try await job(ref)
        switch spec.type {
        case .webhook: try TargetValidation.validateWebhookURL(spec.target, field: "webhook")
        case .email:
            try TargetValidation.validateEmail(spec.target)
            if spec.secret != nil { throw SchedulerError.invalid("secret: only webhook alerts are signed") }
        }
        guard spec.onFailure || spec.onTimeout || spec.onSystemError else {
            throw SchedulerError.invalid("on: an alert must fire on at least one of failure, timeout, system_error")
        }
        let now = clock.now().millisecondPrecision
        let alert = Alert(
            id: ULID.generate(at: now), jobId: job.id, type: spec.type, target: spec.target, onFailure: spec.onFailure,
            onTimeout: spec.onTimeout, onSystemError: spec.onSystemError, secret: spec.secret, createdAt: now)
        try await store.insertAlert(
            alert,
            audit: audit(.alertCreate, ["alert_id": alert.id, "type": spec.type.rawValue, "target": spec.target], at: now))
        return alert
    }

    /// The alerts of a job.
    public func alerts(_ ref: String) async throws -> [Alert] {
        try await store.alerts(jobId: job(ref).id)
    }

    /// Deletes an alert (audit `alert.delete`).
    @discardableResult
    public func deleteAlert(_ id: String) async throws -> Alert {
        guard let existing = try await store.alert(id: id) else {
            throw SchedulerError(.notFound, "no alert with id \"\(id)\"", remedy: .listAlerts)
        }
        let now = clock.now()
        return try await store.deleteAlert(
            id: id, audit: audit(.alertDelete, ["alert_id": id, "type": existing.type.rawValue, "target": existing.target], at: now))
    }

    // MARK: - Validation

    /// The longest timeout, jitter, retry delay or interval accepted (100 years): durations are
    /// stored in milliseconds as 64-bit integers, and nothing longer is meant.
    public static let longestDuration: Double = 100 * 365 * 86_400

    /// Checks a job's options as ``addJob(_:)`` does (all but the name and whether it is taken),
    /// without touching the store, so a caller can refuse bad input before opening a database.
    ///
    /// - throws: `.invalidInput` naming the option.
    public static func validate(_ spec: JobSpec) throws(SchedulerError) {
        guard spec.maxConsecutiveErrors >= 1 else {
            throw .invalid("max-errors: \(spec.maxConsecutiveErrors): must be at least 1")
        }
        let longest = Self.longestDuration
        if let t = spec.timeout, !(t > 0) { throw .invalid("timeout: must be positive") }
        if let t = spec.timeout, !(t <= longest) { throw .invalid("timeout: \(t) seconds: at most 100 years") }
        if let j = spec.jitter, !(j >= 0) { throw .invalid("jitter: must not be negative") }
        if let j = spec.jitter, !(j <= longest) { throw .invalid("jitter: \(j) seconds: at most 100 years") }
        if let r = spec.retry, r.maxAttempts < 1 || !(r.initialDelay >= 0) || !(r.multiplier >= 1) {
            throw .invalid("retry: max attempts at least 1, delay not negative, multiplier at least 1")
        }
        if let r = spec.retry, !(r.initialDelay <= longest) || !(r.maxDelay <= longest) || !r.multiplier.isFinite {
            throw .invalid("retry: delays at most 100 years")
        }
        if spec.kind.isEmpty { throw .invalid("kind: empty; expected the name of a registered handler") }
        if case .every(let s, _) = spec.schedule, s <= 0 { throw .invalid("every: interval must be positive") }
        if case .every(let s, _) = spec.schedule, Double(s) > longest { throw .invalid("every: \(s) seconds: at most 100 years") }
        if spec.deleteAfterRun, spec.schedule.kind != "at" {
            throw .invalid("delete-after-run: applies to one-shot (--at) jobs only")
        }
        if let url = spec.stateWebhookURL { try TargetValidation.validateWebhookURL(url, field: "state-webhook") }
        if let secret = spec.stateWebhookSecret {
            guard spec.stateWebhookURL != nil else {
                throw .invalid("state-webhook-secret: applies to a state webhook; give --state-webhook URL too")
            }
            guard !secret.isEmpty else { throw .invalid("state-webhook-secret: empty; expected the shared signing secret") }
        }
        if spec.kind == ShellPayload.kind {
            guard let shell = try? spec.payload.decode(ShellPayload.self) else {
                throw .invalid("command: a shell job needs a command")
            }
            guard let first = shell.command.first, !first.isEmpty else {
                throw .invalid("command: empty; expected -- CMD [ARG...]")
            }
        }
    }
}

extension SchedulerClient {
    /// Notifications in the outbox, newest first, with their delivery records.
    ///
    /// - throws: `.refused` when the store keeps no outbox.
    public func deliveries(status: DeliveryStatus? = nil, limit: Int? = 100) async throws -> [Delivery] {
        let outbox = try StoreAbilities.require(abilities.outbox, .outbox)
        return try await outbox.deliveries(DeliveryQuery(status: status, limit: limit))
    }
}
