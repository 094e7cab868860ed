import Foundation
import GRDB
import Synchronization

/// Instants are stored as integer milliseconds since 1970 (UTC): compact, exact, and ordered.
@inline(__always) func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
@inline(__always) func msOpt(_ date: Date?) -> Int64? { date.map { ms($0) } }
@inline(__always) func date(ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
@inline(__always) func dateOpt(ms: Int64?) -> Date? { ms.map { date(ms: $0) } }

extension Date {
    /// The same instant rounded to the millisecond, as the store keeps it.
    var millisecondPrecision: Date { date(ms: ms(self)) }
}

/// Parsed schedules by their stored text, so listing 10,000 jobs parses each distinct
/// expression and zone once.
private let scheduleCache = Mutex<[String: Schedule]>([:])

enum RowDecoding {
    static let jobColumns = """
        id, name, kind, schedule_kind, cron_expression, time_zone, interval_seconds, anchor_at, at_time, payload, \
        timeout_ms, max_consecutive_errors, consecutive_errors, status, next_run_at, last_run_at, last_run_status, \
        overlap, misfire, jitter_ms, retry, delete_after_run, state_webhook_url, created_at, updated_at
        """

    static func job(_ row: Row) throws -> Job {
        let schedule: Schedule
        let kind: String = row["schedule_kind"]
        switch kind {
        case "cron":
            let text: String = row["cron_expression"] ?? ""
            let zone: String = row["time_zone"] ?? "UTC"
            let key = zone + "\u{1}" + text
            if let cached = scheduleCache.withLock({ $0[key] }) {
                schedule = cached
            } else {
                do {
                    schedule = try Schedule.cron(text, timeZone: zone)
                } catch {
                    throw SchedulerError(.storage, "job \(row["name"] as String? ?? "?") has an unreadable schedule: \(error.message)")
                }
                scheduleCache.withLock { cache in
                    if cache.count > 10_000 { cache.removeAll() }
                    cache[key] = schedule
                }
            }
        case "every":
            schedule = .every(seconds: row["interval_seconds"] ?? 60, anchor: date(ms: row["anchor_at"] as Int64? ?? 0))
        default:
            schedule = .at(date(ms: row["at_time"] as Int64? ?? 0))
        }
        let retry: RetryPolicy? = (row["retry"] as String?).flatMap { try? JSONDecoder().decode(RetryPolicy.self, from: Data($0.utf8)) }
        return Job(
            id: JobID(row["id"] as String),
            name: row["name"],
            schedule: schedule,
            kind: row["kind"],
            payload: JobPayload(json: Data((row["payload"] as String? ?? "{}").utf8)),
            timeout: (row["timeout_ms"] as Int64?).map { Double($0) / 1000 },
            maxConsecutiveErrors: row["max_consecutive_errors"],
            consecutiveErrors: row["consecutive_errors"],
            status: JobStatus(rawValue: row["status"]) ?? .paused,
            nextRunAt: dateOpt(ms: row["next_run_at"] as Int64?),
            lastRunAt: dateOpt(ms: row["last_run_at"] as Int64?),
            lastRunStatus: (row["last_run_status"] as String?).flatMap(RunStatus.init(rawValue:)),
            overlap: OverlapPolicy(rawValue: row["overlap"]) ?? .skip,
            misfire: MisfirePolicy(rawValue: row["misfire"]) ?? .runOnce,
            jitter: (row["jitter_ms"] as Int64?).map { Double($0) / 1000 },
            retry: retry,
            deleteAfterRun: row["delete_after_run"],
            stateWebhookURL: row["state_webhook_url"],
            createdAt: date(ms: row["created_at"] as Int64),
            updatedAt: date(ms: row["updated_at"] as Int64))
    }

    /// The column values of a job, in the order of `jobColumns`.
    static func jobArguments(_ job: Job) -> StatementArguments {
        var cron: String?
        var zone: String?
        var interval: Int64?
        var anchor: Int64?
        var at: Int64?
        switch job.schedule {
        case .cron(let e, let z):
            cron = e.text
            zone = z.scheduleName
        case .every(let s, let a):
            interval = s
            anchor = ms(a)
        case .at(let d):
            at = ms(d)
        }
        let retry: String? = job.retry.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        let values: [(any DatabaseValueConvertible)?] = [
            job.id.rawValue, job.name, job.kind, job.schedule.kind, cron, zone, interval, anchor, at,
            String(decoding: job.payload.json, as: UTF8.self),
            job.timeout.map { Int64(($0 * 1000).rounded()) }, job.maxConsecutiveErrors, job.consecutiveErrors,
            job.status.rawValue, msOpt(job.nextRunAt), msOpt(job.lastRunAt), job.lastRunStatus?.rawValue,
            job.overlap.rawValue, job.misfire.rawValue, job.jitter.map { Int64(($0 * 1000).rounded()) }, retry,
            job.deleteAfterRun, job.stateWebhookURL, ms(job.createdAt), ms(job.updatedAt),
        ]
        return StatementArguments(values)
    }

    static let runColumns = """
        id, job_id, job_name, trigger, scheduled_for, attempt, status, queued_at, not_before, started_at, finished_at, \
        heartbeat_at, lease_owner, lease_expires_at, exit_code, error_type, error_code, error_category, error_message, \
        output, cancel_requested
        """

    static func run(_ row: Row) -> Run {
        Run(
            id: RunID(row["id"] as String),
            jobId: JobID(row["job_id"] as String),
            jobName: row["job_name"],
            trigger: RunTrigger(rawValue: row["trigger"]) ?? .schedule,
            scheduledFor: date(ms: row["scheduled_for"] as Int64),
            attempt: row["attempt"],
            status: RunStatus(rawValue: row["status"]) ?? .systemError,
            queuedAt: date(ms: row["queued_at"] as Int64),
            notBefore: date(ms: row["not_before"] as Int64),
            startedAt: dateOpt(ms: row["started_at"] as Int64?),
            finishedAt: dateOpt(ms: row["finished_at"] as Int64?),
            heartbeatAt: dateOpt(ms: row["heartbeat_at"] as Int64?),
            leaseOwner: row["lease_owner"],
            leaseExpiresAt: dateOpt(ms: row["lease_expires_at"] as Int64?),
            exitCode: (row["exit_code"] as Int64?).map { Int32(truncatingIfNeeded: $0) },
            errorType: (row["error_type"] as String?).flatMap(ErrorType.init(rawValue:)),
            errorCode: row["error_code"],
            errorCategory: row["error_category"],
            errorMessage: row["error_message"],
            output: row["output"],
            cancelRequested: row["cancel_requested"])
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
