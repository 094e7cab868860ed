import Foundation
import Logging
import PostgresNIO
import SchedulerKit

/// A statement argument.
enum Arg: Sendable {
    case text(String?)
    case int(Int64?)
    case bool(Bool?)
    case bytes(Data?)
    case texts([String])

    static func int(_ value: Int) -> Arg { .int(Int64(value)) }
    static func int(_ value: Int32?) -> Arg { .int(value.map(Int64.init)) }
    static func instant(_ value: Date?) -> Arg { .int(value.map { ms($0) }) }
}

/// One connection in use by a verb: statements with `?` placeholders, numbered for PostgreSQL.
struct Tx: Sendable {
    let connection: PostgresConnection
    let logger: Logger

    func rows(_ sql: String, _ args: [Arg] = []) async throws -> [PostgresRandomAccessRow] {
        let rows = try await connection.query(try Self.query(sql, args), logger: logger).collect()
        return rows.map { $0.makeRandomAccess() }
    }

    func execute(_ sql: String, _ args: [Arg] = []) async throws {
        _ = try await connection.query(try Self.query(sql, args), logger: logger).collect()
    }

    /// Runs a statement ending in `RETURNING 1` (or any row) and counts its rows.
    func count(_ sql: String, _ args: [Arg] = []) async throws -> Int {
        try await rows(sql, args).count
    }

    func one<T: PostgresDecodable>(_ type: T.Type, _ sql: String, _ args: [Arg] = []) async throws -> T? where T._DecodableType == T {
        guard let row = try await rows(sql, args).first else { return nil }
        return try row[0].decode(T?.self)
    }

    static func query(_ sql: String, _ args: [Arg]) throws -> PostgresQuery {
        var text = ""
        text.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        for c in sql {
            if c == "?" {
                n += 1
                text += "$\(n)"
            } else {
                text.append(c)
            }
        }
        var binds = PostgresBindings(capacity: args.count)
        for arg in args {
            switch arg {
            case .text(let v): if let v { binds.append(v) } else { binds.appendNull() }
            case .int(let v): if let v { binds.append(v) } else { binds.appendNull() }
            case .bool(let v): if let v { binds.append(v) } else { binds.appendNull() }
            case .bytes(let v): if let v { try binds.append(v) } else { binds.appendNull() }
            case .texts(let v): binds.append(v)
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }
}

/// Instants are stored as integer milliseconds since 1970 (UTC), as in the SQLite store.
@inline(__always) func ms(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
@inline(__always) func date(ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }

extension Date {
    var millisecondPrecision: Date { date(ms: ms(self)) }
}

extension PostgresRandomAccessRow {
    func text(_ i: Int) throws -> String { try self[i].decode(String.self) }
    func textOpt(_ i: Int) throws -> String? { try self[i].decode(String?.self) }
    func int(_ i: Int) throws -> Int64 { try self[i].decode(Int64.self) }
    func intOpt(_ i: Int) throws -> Int64? { try self[i].decode(Int64?.self) }
    func bool(_ i: Int) throws -> Bool { try self[i].decode(Bool.self) }
    func instant(_ i: Int) throws -> Date { date(ms: try int(i)) }
    func instantOpt(_ i: Int) throws -> Date? { try intOpt(i).map { date(ms: $0) } }
}

enum Rows {
    static let jobColumns = """
        id, name, kind, schedule_kind, cron_expression, time_zone, interval_seconds, anchor_at, at_time, payload, \
        timeout_ms, max_consecutive_errors, consecutive_errors, status, next_run_at, last_run_at, last_run_status, \
        overlap, misfire, jitter_ms, retry, delete_after_run, state_webhook_url, created_at, updated_at, \
        state_webhook_secret
        """

    static func job(_ row: PostgresRandomAccessRow) throws -> Job {
        let schedule = try StoredSchedule(
            kind: try row.text(3), cronExpression: try row.textOpt(4), timeZone: try row.textOpt(5), intervalSeconds: try row.intOpt(6),
            anchorMilliseconds: try row.intOpt(7), atMilliseconds: try row.intOpt(8)
        ).schedule(jobName: try row.text(1))
        let retry: RetryPolicy? = try row.textOpt(20).flatMap { try? JSONDecoder().decode(RetryPolicy.self, from: Data($0.utf8)) }
        return Job(
            id: JobID(try row.text(0)),
            name: try row.text(1),
            schedule: schedule,
            kind: try row.text(2),
            payload: JobPayload(json: Data(try row.text(9).utf8)),
            timeout: try row.intOpt(10).map { Double($0) / 1000 },
            maxConsecutiveErrors: Int(try row.int(11)),
            consecutiveErrors: Int(try row.int(12)),
            status: JobStatus(rawValue: try row.text(13)) ?? .paused,
            nextRunAt: try row.instantOpt(14),
            lastRunAt: try row.instantOpt(15),
            lastRunStatus: try row.textOpt(16).flatMap(RunStatus.init(rawValue:)),
            overlap: OverlapPolicy(rawValue: try row.text(17)) ?? .skip,
            misfire: MisfirePolicy(rawValue: try row.text(18)) ?? .runOnce,
            jitter: try row.intOpt(19).map { Double($0) / 1000 },
            retry: retry,
            deleteAfterRun: try row.bool(21),
            stateWebhookURL: try row.textOpt(22),
            stateWebhookSecret: try row.textOpt(25),
            createdAt: try row.instant(23),
            updatedAt: try row.instant(24))
    }

    static func jobArguments(_ job: Job) -> [Arg] {
        let stored = StoredSchedule(job.schedule)
        let retry: String? = job.retry.flatMap { try? String(decoding: JSONEncoder().encode($0), as: UTF8.self) }
        return [
            .text(job.id.rawValue), .text(job.name), .text(job.kind), .text(stored.kind), .text(stored.cronExpression),
            .text(stored.timeZone), .int(stored.intervalSeconds), .int(stored.anchorMilliseconds), .int(stored.atMilliseconds), .text(String(decoding: job.payload.json, as: UTF8.self)),
            .int(job.timeout.map { Int64(($0 * 1000).rounded()) }), .int(job.maxConsecutiveErrors), .int(job.consecutiveErrors),
            .text(job.status.rawValue), .instant(job.nextRunAt), .instant(job.lastRunAt), .text(job.lastRunStatus?.rawValue),
            .text(job.overlap.rawValue), .text(job.misfire.rawValue), .int(job.jitter.map { Int64(($0 * 1000).rounded()) }),
            .text(retry), .bool(job.deleteAfterRun), .text(job.stateWebhookURL), .instant(job.createdAt),
            .instant(job.updatedAt), .text(job.stateWebhookSecret),
        ]
    }

    static let runColumns = """
        id, job_id, job_name, trigger, scheduled_for, attempt, status, queued_at, not_before, started_at, finished_at, \
        heartbeat_at, lease_owner, lease_expires_at, exit_code, error_type, error_code, error_category, error_message, \
        output, cancel_requested
        """

    static func run(_ row: PostgresRandomAccessRow) throws -> Run {
        Run(
            id: RunID(try row.text(0)),
            jobId: JobID(try row.text(1)),
            jobName: try row.text(2),
            trigger: RunTrigger(rawValue: try row.text(3)) ?? .schedule,
            scheduledFor: try row.instant(4),
            attempt: Int(try row.int(5)),
            status: RunStatus(rawValue: try row.text(6)) ?? .systemError,
            queuedAt: try row.instant(7),
            notBefore: try row.instant(8),
            startedAt: try row.instantOpt(9),
            finishedAt: try row.instantOpt(10),
            heartbeatAt: try row.instantOpt(11),
            leaseOwner: try row.textOpt(12),
            leaseExpiresAt: try row.instantOpt(13),
            exitCode: try row.intOpt(14).map { Int32(truncatingIfNeeded: $0) },
            errorType: try row.textOpt(15).flatMap(ErrorType.init(rawValue:)),
            errorCode: try row.textOpt(16),
            errorCategory: try row.textOpt(17),
            errorMessage: try row.textOpt(18),
            output: try row.textOpt(19),
            cancelRequested: try row.bool(20))
    }

    static func runArguments(_ r: Run) -> [Arg] {
        [
            .text(r.id.rawValue), .text(r.jobId.rawValue), .text(r.jobName), .text(r.trigger.rawValue), .instant(r.scheduledFor),
            .int(r.attempt), .text(r.status.rawValue), .instant(r.queuedAt), .instant(r.notBefore), .instant(r.startedAt),
            .instant(r.finishedAt), .instant(r.heartbeatAt), .text(r.leaseOwner), .instant(r.leaseExpiresAt),
            .int(r.exitCode.map { Int64($0) }), .text(r.errorType?.rawValue), .text(r.errorCode), .text(r.errorCategory),
            .text(r.errorMessage), .text(r.output), .bool(r.cancelRequested),
        ]
    }

    static let alertColumns = "id, job_id, alert_type, target, on_failure, on_timeout, on_system_error, secret, created_at"

    static func alert(_ row: PostgresRandomAccessRow) throws -> Alert {
        Alert(
            id: try row.text(0), jobId: JobID(try row.text(1)), type: AlertType(rawValue: try row.text(2)) ?? .webhook,
            target: try row.text(3), onFailure: try row.bool(4), onTimeout: try row.bool(5), onSystemError: try row.bool(6),
            secret: try row.textOpt(7), createdAt: try row.instant(8))
    }

    static let auditColumns = "id, at, actor, action, job_id, job_name, details"

    static func audit(_ row: PostgresRandomAccessRow) throws -> AuditEntry {
        AuditEntry(
            id: try row.int(0), at: try row.instant(1), actor: try row.text(2), action: try row.text(3),
            jobId: try row.textOpt(4).map { JobID($0) }, jobName: try row.textOpt(5), details: try row.text(6))
    }

    static let deliveryColumns = """
        id, run_id, job_id, job_name, alert_id, channel, event, target, secret, payload, status, attempts, next_attempt_at, \
        last_error, last_status_code, created_at, updated_at, delivered_at, sequence
        """

    static func delivery(_ row: PostgresRandomAccessRow) throws -> Delivery {
        Delivery(
            id: try row.text(0), runId: try row.textOpt(1).map { RunID($0) }, jobId: try row.textOpt(2).map { JobID($0) },
            jobName: try row.textOpt(3), alertId: try row.textOpt(4),
            channel: DeliveryChannel(rawValue: try row.text(5)) ?? .webhook, event: try row.text(6), target: try row.text(7),
            secret: try row.textOpt(8), payload: try row.text(9), status: DeliveryStatus(rawValue: try row.text(10)) ?? .pending,
            attempts: Int(try row.int(11)), nextAttemptAt: try row.instantOpt(12), lastError: try row.textOpt(13),
            lastStatusCode: try row.intOpt(14).map { Int($0) }, createdAt: try row.instant(15), updatedAt: try row.instant(16),
            deliveredAt: try row.instantOpt(17), sequence: Int(try row.int(18)))
    }
}
