import Foundation
import PostgresNIO
import SchedulerKit

extension PostgresJobStore {
    public func insertJob(_ job: Job, audit: AuditRecord) async throws {
        try await transaction(notify: true) { tx in
            let inserted = try await tx.count(
                "INSERT INTO jobs (\(Rows.jobColumns)) VALUES (\(Self.placeholders(26))) ON CONFLICT (name) DO NOTHING RETURNING 1",
                Rows.jobArguments(job))
            guard inserted > 0 else {
                throw SchedulerError(.alreadyExists, "a job named \"\(job.name)\" already exists", hint: "pick another name or remove it first")
            }
            try await Self.insertAudit(tx, audit, jobId: job.id, jobName: job.name)
        }
    }

    public func job(id: JobID) async throws -> Job? {
        try await read { tx in try await Self.fetchJob(tx, id: id) }
    }

    public func job(named name: String) async throws -> Job? {
        try await read { tx in
            try await tx.rows("SELECT \(Rows.jobColumns) FROM jobs WHERE name = ?", [.text(name)]).first.map(Rows.job)
        }
    }

    public func jobs(_ query: JobQuery) async throws -> [Job] {
        try await read { tx in
            var sql = "SELECT \(Rows.jobColumns) FROM jobs"
            var args: [Arg] = []
            var clauses: [String] = []
            if let status = query.status {
                clauses.append("status = ?")
                args.append(.text(status.rawValue))
            }
            if let after = query.afterName {
                clauses.append("name > ?")
                args.append(.text(after))
            }
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY name"
            if let limit = query.limit {
                sql += " LIMIT ?"
                args.append(.int(limit))
            }
            return try await tx.rows(sql, args).map(Rows.job)
        }
    }

    @discardableResult
    public func modifyJob(id: JobID, _ change: @escaping @Sendable (inout Job) throws -> AuditRecord?) async throws -> Job {
        try await transaction(notify: true) { tx in
            guard var job = try await Self.fetchJob(tx, id: id, lock: true) else {
                throw SchedulerError(.notFound, "no job with id \(id)")
            }
            let before = job
            let audit = try change(&job)
            guard job.id == before.id else { throw SchedulerError(.invalidInput, "a job's id cannot change") }
            if job.name != before.name, try await tx.count("SELECT 1 FROM jobs WHERE name = ?", [.text(job.name)]) > 0 {
                throw SchedulerError(.alreadyExists, "a job named \"\(job.name)\" already exists")
            }
            if job != before {
                try await tx.execute(
                    "UPDATE jobs SET (\(Rows.jobColumns)) = (\(Self.placeholders(26))) WHERE id = ?",
                    Rows.jobArguments(job) + [.text(job.id.rawValue)])
            }
            if before.status == .active && job.status != .active {
                try await self.withdrawQueuedRuns(tx, job: job, reason: "job \(job.status.rawValue)", at: audit?.at ?? job.updatedAt)
            }
            if let audit {
                try await Self.insertAudit(tx, audit, jobId: job.id, jobName: job.name)
            }
            return job
        }
    }

    @discardableResult
    public func deleteJob(id: JobID, audit: AuditRecord) async throws -> Job {
        try await transaction(notify: true) { tx in
            guard let job = try await Self.fetchJob(tx, id: id, lock: true) else {
                throw SchedulerError(.notFound, "no job with id \(id)")
            }
            try await self.withdrawQueuedRuns(tx, job: job, reason: "job deleted", at: audit.at)
            try await tx.execute(
                "UPDATE runs SET cancel_requested = TRUE WHERE job_id = ? AND status = 'running'", [.text(id.rawValue)])
            try await tx.execute("DELETE FROM jobs WHERE id = ?", [.text(id.rawValue)])
            try await Self.insertAudit(tx, audit, jobId: job.id, jobName: job.name)
            return job
        }
    }

    // MARK: - Alerts

    public func insertAlert(_ alert: Alert, audit: AuditRecord) async throws {
        try await transaction(notify: true) { tx in
            guard let job = try await Self.fetchJob(tx, id: alert.jobId, lock: true) else {
                throw SchedulerError(.notFound, "no job with id \(alert.jobId)")
            }
            try await tx.execute(
                "INSERT INTO run_alerts (\(Rows.alertColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(alert.id), .text(alert.jobId.rawValue), .text(alert.type.rawValue), .text(alert.target),
                    .bool(alert.onFailure), .bool(alert.onTimeout), .bool(alert.onSystemError), .text(alert.secret),
                    .instant(alert.createdAt),
                ])
            try await Self.insertAudit(tx, audit, jobId: job.id, jobName: job.name)
        }
    }

    public func alerts(jobId: JobID) async throws -> [Alert] {
        try await read { tx in try await Self.fetchAlerts(tx, jobId: jobId) }
    }

    public func alert(id: String) async throws -> Alert? {
        try await read { tx in
            try await tx.rows("SELECT \(Rows.alertColumns) FROM run_alerts WHERE id = ?", [.text(id)]).first.map(Rows.alert)
        }
    }

    @discardableResult
    public func deleteAlert(id: String, audit: AuditRecord) async throws -> Alert {
        try await transaction(notify: true) { tx in
            guard
                let alert = try await tx.rows(
                    "DELETE FROM run_alerts WHERE id = ? RETURNING \(Rows.alertColumns)", [.text(id)]
                ).first.map(Rows.alert)
            else {
                throw SchedulerError(.notFound, "no alert with id \(id)")
            }
            let jobName = try await tx.one(String.self, "SELECT name FROM jobs WHERE id = ?", [.text(alert.jobId.rawValue)])
            try await Self.insertAudit(tx, audit, jobId: alert.jobId, jobName: jobName)
            return alert
        }
    }

    static func fetchAlerts(_ tx: Tx, jobId: JobID) async throws -> [Alert] {
        try await tx.rows(
            "SELECT \(Rows.alertColumns) FROM run_alerts WHERE job_id = ? ORDER BY created_at, id", [.text(jobId.rawValue)]
        ).map(Rows.alert)
    }

    // MARK: - Audit

    public func auditEntries(_ query: AuditQuery) async throws -> [AuditEntry] {
        try await read { tx in
            var sql = "SELECT \(Rows.auditColumns) FROM audit_log"
            var args: [Arg] = []
            if let jobId = query.jobId {
                sql += " WHERE job_id = ?"
                args.append(.text(jobId.rawValue))
            }
            sql += " ORDER BY id DESC"
            if let limit = query.limit {
                sql += " LIMIT ?"
                args.append(.int(limit))
            }
            return try await tx.rows(sql, args).map(Rows.audit)
        }
    }

    // MARK: - Statements shared by the verbs

    /// The job; with `lock`, its row stays locked until the transaction ends (jobs are always
    /// locked before their runs, so two verbs never wait for each other in a circle).
    static func fetchJob(_ tx: Tx, id: JobID, lock: Bool = false) async throws -> Job? {
        try await tx.rows(
            "SELECT \(Rows.jobColumns) FROM jobs WHERE id = ?\(lock ? " FOR UPDATE" : "")", [.text(id.rawValue)]
        ).first.map(Rows.job)
    }

    static func insertAudit(_ tx: Tx, _ record: AuditRecord, details: String? = nil, jobId: JobID?, jobName: String?) async throws {
        try await tx.execute(
            "INSERT INTO audit_log (at, actor, action, job_id, job_name, details) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .instant(record.at), .text(record.actor), .text(record.action.rawValue), .text(jobId?.rawValue), .text(jobName),
                .text(details ?? record.detailsJSON),
            ])
    }

    /// Ends every queued run of `job` as `cancelled`: a paused or deleted job has nothing
    /// waiting to start. Runs already leased are not touched.
    func withdrawQueuedRuns(_ tx: Tx, job: Job, reason: String, at now: Date) async throws {
        let queued = try await tx.rows(
            "SELECT \(Rows.runColumns) FROM runs WHERE job_id = ? AND status = 'queued' FOR UPDATE", [.text(job.id.rawValue)]
        ).map(Rows.run)
        for var run in queued {
            run.apply(.error(.cancelled, reason), at: now)
            try await Self.writeRunEnd(tx, run)
            try await recordTransition(tx, job: job, run: run, previous: .queued, at: now)
        }
    }

    static func placeholders(_ n: Int) -> String {
        Array(repeating: "?", count: n).joined(separator: ", ")
    }
}
