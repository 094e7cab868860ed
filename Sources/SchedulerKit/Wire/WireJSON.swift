import Foundation

/// The JSON shapes of SPEC §6, shared by `schedctl --json` and the HTTP API: snake_case keys,
/// every key present (null when absent), timestamps ISO-8601 UTC with milliseconds. Keys may be
/// added, never renamed or dropped.
///
/// For example:
/// ```swift
/// let body = WireJSON.job(job).serialized()
/// ```
public enum WireJSON {
    /// A job: `id, name, status, schedule, command, timeout_seconds, max_consecutive_errors,
    /// consecutive_errors, overlap, next_run_at, last_run_at, last_run_status, created_at,
    /// updated_at`, plus `kind, misfire, jitter_seconds, retry, delete_after_run,
    /// state_webhook_url, state_webhook_secret (`"***"` or null), env, working_directory`.
    public static func job(_ job: Job) -> JSONValue {
        let shell = job.kind == ShellPayload.kind ? try? job.payload.decode(ShellPayload.self) : nil
        var retry = JSONValue.null
        if let r = job.retry {
            retry = .object(sorting: [
                "max_attempts": .int(r.maxAttempts), "initial_delay_seconds": .seconds(r.initialDelay),
                "multiplier": .seconds(r.multiplier), "max_delay_seconds": .seconds(r.maxDelay),
            ])
        }
        return .object(sorting: [
            "id": .string(job.id.rawValue),
            "name": .string(job.name),
            "status": .string(job.status.rawValue),
            "schedule": schedule(job.schedule),
            "command": shell.map { .array($0.command.map(JSONValue.string)) } ?? .null,
            "timeout_seconds": .seconds(job.timeout),
            "max_consecutive_errors": .int(job.maxConsecutiveErrors),
            "consecutive_errors": .int(job.consecutiveErrors),
            "overlap": .string(job.overlap.rawValue),
            "next_run_at": .date(job.nextRunAt),
            "last_run_at": .date(job.lastRunAt),
            "last_run_status": .string(job.lastRunStatus?.rawValue),
            "created_at": .date(job.createdAt),
            "updated_at": .date(job.updatedAt),
            // additions
            "kind": .string(job.kind),
            "misfire": .string(misfire(job.misfire)),
            "jitter_seconds": .seconds(job.jitter),
            "retry": retry,
            "delete_after_run": .bool(job.deleteAfterRun),
            "state_webhook_url": .string(job.stateWebhookURL.map(Redaction.url)),
            "state_webhook_secret": .string(job.stateWebhookSecret.map { _ in Redaction.mask }),
            // names only: environment values often hold credentials
            "env": shell?.environment.map { .array($0.keys.sorted().map(JSONValue.string)) } ?? .null,
            "working_directory": .string(shell?.workingDirectory),
        ])
    }

    /// `{"kind":"cron","expression","timezone"}`, `{"kind":"every","seconds","anchor"}` or `{"kind":"at","at"}`.
    public static func schedule(_ schedule: Schedule) -> JSONValue {
        switch schedule {
        case .cron(let expression, let zone):
            .object(sorting: ["kind": .string("cron"), "expression": .string(expression.text), "timezone": .string(zone.scheduleName)])
        case .every(let seconds, let anchor):
            .object(sorting: ["kind": .string("every"), "seconds": .int(seconds), "anchor": .date(anchor)])
        case .at(let instant):
            .object(sorting: ["kind": .string("at"), "at": .date(instant)])
        }
    }

    /// A run: `id, job_id, job_name, status, trigger, attempt, scheduled_for, started_at,
    /// finished_at, exit_code, error_type, error_code, error_message`, plus `error_category,
    /// duration_seconds, queued_at, not_before`.
    public static func run(_ run: Run) -> JSONValue {
        // Written in the output's (sorted) key order, so sorting them costs one pass.
        .object(sorting: [
            "attempt": .int(run.attempt),
            "duration_seconds": .seconds(run.duration.map { ($0 * 1000).rounded() / 1000 }),
            "error_category": .string(run.errorCategory),
            "error_code": .string(run.errorCode),
            "error_message": .string(run.errorMessage),
            "error_type": .string(run.errorType?.rawValue),
            "exit_code": run.exitCode.map { .int(Int64($0)) } ?? .null,
            "finished_at": .date(run.finishedAt),
            "id": .string(run.id.rawValue),
            "job_id": .string(run.jobId.rawValue),
            "job_name": .string(run.jobName),
            "not_before": .date(run.notBefore),
            "queued_at": .date(run.queuedAt),
            "scheduled_for": .date(run.scheduledFor),
            "started_at": .date(run.startedAt),
            "status": .string(run.status.rawValue),
            "trigger": .string(run.trigger.rawValue),
        ])
    }

    /// An alert: `id, job_id, alert_type, target, on_failure, on_timeout, on_system_error, secret, created_at`;
    /// the secret is `"***"` when set.
    public static func alert(_ alert: Alert) -> JSONValue {
        .object(sorting: [
            "id": .string(alert.id),
            "job_id": .string(alert.jobId.rawValue),
            "alert_type": .string(alert.type.rawValue),
            "target": .string(alert.type == .webhook ? Redaction.url(alert.target) : alert.target),
            "on_failure": .bool(alert.onFailure),
            "on_timeout": .bool(alert.onTimeout),
            "on_system_error": .bool(alert.onSystemError),
            "secret": .string(Redaction.secret(alert.secret)),
            "created_at": .date(alert.createdAt),
        ])
    }

    /// A delivery of the outbox: `id, run_id, job_id, job_name, alert_id, channel, event, target,
    /// secret (*** when set), status, attempts, next_attempt_at, last_error, last_status_code,
    /// created_at, updated_at, delivered_at`.
    public static func delivery(_ d: Delivery) -> JSONValue {
        .object(sorting: [
            "id": .string(d.id),
            "run_id": .string(d.runId?.rawValue),
            "job_id": .string(d.jobId?.rawValue),
            "job_name": .string(d.jobName),
            "alert_id": .string(d.alertId),
            "channel": .string(d.channel.rawValue),
            "event": .string(d.event),
            "target": .string(d.channel == .webhook ? Redaction.url(d.target) : d.target),
            "secret": .string(Redaction.secret(d.secret)),
            "status": .string(d.status.rawValue),
            "attempts": .int(d.attempts),
            "next_attempt_at": .date(d.status == .pending ? d.nextAttemptAt : nil),
            "last_error": .string(d.lastError),
            "last_status_code": .int(d.lastStatusCode),
            "created_at": .date(d.createdAt),
            "updated_at": .date(d.updatedAt),
            "delivered_at": .date(d.deliveredAt),
        ])
    }

    /// An audit entry: `id, at, actor, action, job_id, job_name, details`.
    public static func audit(_ entry: AuditEntry) -> JSONValue {
        .object(sorting: [
            "id": .int(entry.id),
            "at": .date(entry.at),
            "actor": .string(entry.actor),
            "action": .string(entry.action),
            "job_id": .string(entry.jobId?.rawValue),
            "job_name": .string(entry.jobName),
            "details": redactDetails(parseObject(entry.details)),
        ])
    }

    public static func redactDetails(_ details: JSONValue) -> JSONValue {
        guard let members = details.objectMembers else { return details }
        return .object(members.map { key, value in
            switch (key, value) {
            case ("target", .string(let target)): (key, .string(Redaction.url(target)))
            case ("secret", _): (key, .string(Redaction.mask))
            default: (key, value)
            }
        })
    }

    /// Parses a JSON object stored as text; an unreadable one becomes `{"raw": text}`.
    public static func parseObject(_ text: String) -> JSONValue {
        (try? JSONValue.parse(text)) ?? .object(sorting: ["raw": .string(text)])
    }

    /// The wire spelling of a misfire policy: `run-once` or `skip` (as the CLI writes it).
    public static func misfire(_ policy: MisfirePolicy) -> String {
        switch policy {
        case .runOnce: "run-once"
        case .skip: "skip"
        }
    }
}
