import Foundation
import GRDB

enum RowDecoding {
    static let jobColumns = """
        id, name, kind, schedule_kind, cron_expression, time_zone, interval_seconds, anchor_at, at_time, payload, \
        timeout_ms, max_consecutive_errors, consecutive_errors, status, next_run_at, last_run_at, last_run_status, \
        overlap, misfire, jitter_ms, retry, delete_after_run, state_webhook_url, created_at, updated_at, \
        state_webhook_secret
        """

    static let jobColumnCount = 26

    /// Decodes a row of `SELECT \(jobColumns)`, by position.
    static func job(_ row: Row) throws -> Job {
        let schedule = try StoredSchedule(
            kind: row[3], cronExpression: row[4], timeZone: row[5], intervalSeconds: row[6], anchorMilliseconds: row[7],
            atMilliseconds: row[8]
        ).schedule(jobName: row[1] as String? ?? "?")
        let retry: RetryPolicy? = (row[20] as String?).flatMap { try? JSONDecoder().decode(RetryPolicy.self, from: Data($0.utf8)) }
        return Job(
            id: JobID(row[0] as String),
            name: row[1],
            schedule: schedule,
            kind: row[2],
            payload: JobPayload(json: Data((row[9] as String? ?? "{}").utf8)),
            timeout: (row[10] as Int64?).map { Double($0) / 1000 },
            maxConsecutiveErrors: row[11],
            consecutiveErrors: row[12],
            status: JobStatus(rawValue: row[13]) ?? .paused,
            nextRunAt: dateOpt(ms: row[14] as Int64?),
            lastRunAt: dateOpt(ms: row[15] as Int64?),
            lastRunStatus: (row[16] as String?).flatMap(RunStatus.init(rawValue:)),
            overlap: OverlapPolicy(rawValue: row[17]) ?? .skip,
            misfire: MisfirePolicy(rawValue: row[18]) ?? .runOnce,
            jitter: (row[19] as Int64?).map { Double($0) / 1000 },
            retry: retry,
            deleteAfterRun: row[21],
            stateWebhookURL: row[22],
            stateWebhookSecret: row[25],
            createdAt: date(ms: row[23] as Int64),
            updatedAt: date(ms: row[24] as Int64))
    }

    /// The column values of a job, in the order of `jobColumns`.
    static func jobArguments(_ job: Job) -> StatementArguments {
        let stored = StoredSchedule(job.schedule)
        let retry: String? = job.retry.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        let values: [(any DatabaseValueConvertible)?] = [
            job.id.rawValue, job.name, job.kind, stored.kind, stored.cronExpression, stored.timeZone, stored.intervalSeconds,
            stored.anchorMilliseconds, stored.atMilliseconds,
            String(decoding: job.payload.json, as: UTF8.self),
            job.timeout.map { Int64(($0 * 1000).rounded()) }, job.maxConsecutiveErrors, job.consecutiveErrors,
            job.status.rawValue, msOpt(job.nextRunAt), msOpt(job.lastRunAt), job.lastRunStatus?.rawValue,
            job.overlap.rawValue, job.misfire.rawValue, job.jitter.map { Int64(($0 * 1000).rounded()) }, retry,
            job.deleteAfterRun, job.stateWebhookURL, ms(job.createdAt), ms(job.updatedAt), job.stateWebhookSecret,
        ]
        return StatementArguments(values)
    }

    static let runColumns = """
        id, job_id, job_name, trigger, scheduled_for, attempt, status, queued_at, not_before, started_at, finished_at, \
        heartbeat_at, lease_owner, lease_expires_at, exit_code, error_type, error_code, error_category, error_message, \
        output, cancel_requested
        """

    /// Decodes a row of `SELECT \(runColumns)`, by position.
    static func run(_ row: Row) -> Run {
        Run(
            id: RunID(row[0] as String),
            jobId: JobID(row[1] as String),
            jobName: row[2],
            trigger: RunTrigger(rawValue: row[3]) ?? .schedule,
            scheduledFor: date(ms: row[4] as Int64),
            attempt: row[5],
            status: RunStatus(rawValue: row[6]) ?? .systemError,
            queuedAt: date(ms: row[7] as Int64),
            notBefore: date(ms: row[8] as Int64),
            startedAt: dateOpt(ms: row[9] as Int64?),
            finishedAt: dateOpt(ms: row[10] as Int64?),
            heartbeatAt: dateOpt(ms: row[11] as Int64?),
            leaseOwner: row[12],
            leaseExpiresAt: dateOpt(ms: row[13] as Int64?),
            exitCode: (row[14] as Int64?).map { Int32(truncatingIfNeeded: $0) },
            errorType: (row[15] as String?).flatMap(ErrorType.init(rawValue:)),
            errorCode: row[16],
            errorCategory: row[17],
            errorMessage: row[18],
            output: row[19],
            cancelRequested: row[20])
    }

    static func runArguments(_ r: Run) -> StatementArguments {
        let values: [(any DatabaseValueConvertible)?] = [
            r.id.rawValue, r.jobId.rawValue, r.jobName, r.trigger.rawValue, ms(r.scheduledFor), r.attempt,
            r.status.rawValue, ms(r.queuedAt), ms(r.notBefore), msOpt(r.startedAt), msOpt(r.finishedAt), msOpt(r.heartbeatAt),
            r.leaseOwner, msOpt(r.leaseExpiresAt), r.exitCode.map { Int64($0) }, r.errorType?.rawValue, r.errorCode,
            r.errorCategory, r.errorMessage, r.output, r.cancelRequested,
        ]
        return StatementArguments(values)
    }

    static func alert(_ row: Row) -> Alert {
        Alert(
            id: row["id"], jobId: JobID(row["job_id"] as String), type: AlertType(rawValue: row["alert_type"]) ?? .webhook,
            target: row["target"], onFailure: row["on_failure"], onTimeout: row["on_timeout"],
            onSystemError: row["on_system_error"], secret: row["secret"], createdAt: date(ms: row["created_at"] as Int64))
    }

    static func audit(_ row: Row) -> AuditEntry {
        AuditEntry(
            id: row["id"], at: date(ms: row["at"] as Int64), actor: row["actor"], action: row["action"],
            jobId: (row["job_id"] as String?).map { JobID($0) }, jobName: row["job_name"], details: row["details"])
    }

    static func delivery(_ row: Row) -> Delivery {
        Delivery(
            id: row["id"], runId: (row["run_id"] as String?).map { RunID($0) }, jobId: (row["job_id"] as String?).map { JobID($0) },
            jobName: row["job_name"], alertId: row["alert_id"], channel: DeliveryChannel(rawValue: row["channel"]) ?? .webhook,
            event: row["event"], target: row["target"], secret: row["secret"], payload: row["payload"],
            status: DeliveryStatus(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            nextAttemptAt: dateOpt(ms: row["next_attempt_at"] as Int64?), lastError: row["last_error"],
            lastStatusCode: row["last_status_code"], createdAt: date(ms: row["created_at"] as Int64),
            updatedAt: date(ms: row["updated_at"] as Int64), deliveredAt: dateOpt(ms: row["delivered_at"] as Int64?),
            sequence: row["sequence"])
    }
}
