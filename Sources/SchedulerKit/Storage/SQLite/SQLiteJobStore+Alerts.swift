import Foundation
import GRDB

extension SQLiteJobStore {
    public func insertAlert(_ alert: Alert, audit: AuditRecord) async throws {
        try await write { db in
            guard let job = try Self.fetchJob(db, id: alert.jobId) else {
                throw SchedulerError.notFound("no job with id \(alert.jobId)")
            }
            try db.execute(
                cached: """
                    INSERT INTO run_alerts (id, job_id, alert_type, target, on_failure, on_timeout, on_system_error, secret, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    alert.id, alert.jobId.rawValue, alert.type.rawValue, alert.target, alert.onFailure, alert.onTimeout,
                    alert.onSystemError, alert.secret, ms(alert.createdAt),
                ])
            try Self.insertAudit(db, audit, jobId: job.id, jobName: job.name)
        }
    }

    public func alerts(jobId: JobID) async throws -> [Alert] {
        try await read { db in try Self.fetchAlerts(db, jobId: jobId) }
    }

    public func alert(id: String) async throws -> Alert? {
        try await read { db in
            try db.decodeOne(cached: "SELECT * FROM run_alerts WHERE id = ?", arguments: [id], RowDecoding.alert)
        }
    }

    @discardableResult
    public func deleteAlert(id: String, audit: AuditRecord) async throws -> Alert {
        try await write { db in
            guard let alert = try db.decodeOne(cached: "SELECT * FROM run_alerts WHERE id = ?", arguments: [id], RowDecoding.alert)
            else {
                throw SchedulerError.notFound("no alert with id \(id)")
            }
            try db.execute(cached: "DELETE FROM run_alerts WHERE id = ?", arguments: [id])
            let jobName = try String.fetchOne(cached: db, sql: "SELECT name FROM jobs WHERE id = ?", arguments: [alert.jobId.rawValue])
            try Self.insertAudit(db, audit, jobId: alert.jobId, jobName: jobName)
            return alert
        }
    }

    static func fetchAlerts(_ db: Database, jobId: JobID) throws -> [Alert] {
        try db.decodeAll(cached: "SELECT * FROM run_alerts WHERE job_id = ? ORDER BY created_at, id", arguments: [jobId.rawValue], RowDecoding.alert)
    }

    // MARK: Audit

    public func auditEntries(_ query: AuditQuery) async throws -> [AuditEntry] {
        try await read { db in
            var sql = "SELECT * FROM audit_log"
            var args: [any DatabaseValueConvertible] = []
            if let jobId = query.jobId {
                sql += " WHERE job_id = ?"
                args.append(jobId.rawValue)
            }
            sql += " ORDER BY id DESC"
            if let limit = query.limit {
                sql += " LIMIT ?"
                args.append(limit)
            }
            return try db.decodeAll(cached: sql, arguments: StatementArguments(args), RowDecoding.audit)
        }
    }
}
