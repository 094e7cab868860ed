import Foundation
import GRDB

extension SQLiteJobStore {
    public func insertJob(_ job: Job, audit: AuditRecord) async throws {
        let details = audit.detailsJSON
        try await writeAtOnce { db in
            do {
                try Self.insertJob(db, job)
            } catch let e as DatabaseError where e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE && e.message?.contains("jobs.name") == true {
                // The name's unique index answers "is it taken" in the insert itself.
                throw SchedulerError(.alreadyExists, "a job named \"\(job.name)\" already exists", hint: "pick another name or remove it first")
            }
            try Self.insertAudit(db, audit, details: details, jobId: job.id, jobName: job.name)
        }
    }

    public func job(id: JobID) async throws -> Job? {
        try await read { db in try Self.fetchJob(db, id: id) }
    }

    public func job(named name: String) async throws -> Job? {
        try await read { db in
            try db.decodeOne(cached: "SELECT \(RowDecoding.jobColumns) FROM jobs WHERE name = ?", arguments: [name], RowDecoding.job)
        }
    }

    public func jobs(_ query: JobQuery) async throws -> [Job] {
        try await read { db in
            var sql = "SELECT \(RowDecoding.jobColumns) FROM jobs"
            var args: [any DatabaseValueConvertible] = []
            var clauses: [String] = []
            if let status = query.status {
                clauses.append("status = ?")
                args.append(status.rawValue)
            }
            if let after = query.afterName {
                clauses.append("name > ?")
                args.append(after)
            }
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY name"
            if let limit = query.limit {
                sql += " LIMIT ?"
                args.append(limit)
            }
            return try db.decodeAll(cached: sql, arguments: StatementArguments(args), RowDecoding.job)
        }
    }

    @discardableResult
    public func modifyJob(id: JobID, _ change: @escaping @Sendable (inout Job) throws -> AuditRecord?) async throws -> Job {
        try await write { db in
            guard var job = try Self.fetchJob(db, id: id) else {
                throw SchedulerError.notFound("no job with id \(id)")
            }
            let before = job
            let audit = try change(&job)
            guard job.id == before.id else { throw SchedulerError(.invalidInput, "a job's id cannot change") }
            if job.name != before.name,
                try Bool.fetchOne(cached: db, sql: "SELECT 1 FROM jobs WHERE name = ?", arguments: [job.name]) == true
            {
                throw SchedulerError(.alreadyExists, "a job named \"\(job.name)\" already exists")
            }
            if job != before {
                try Self.updateJob(db, job)
            }
            if before.status == .active && job.status != .active {
                // Nothing of a job that stops being active waits to start: not even the slot
                // queued ahead of its instant (decision 0017).
                try self.withdrawQueuedRuns(db, job: job, reason: "job \(job.status.rawValue)", at: audit?.at ?? job.updatedAt)
            }
            if let audit {
                try Self.insertAudit(db, audit, jobId: job.id, jobName: job.name)
            }
            return job
        }
    }

    @discardableResult
    public func deleteJob(id: JobID, audit: AuditRecord) async throws -> Job {
        try await write { db in
            guard let job = try Self.fetchJob(db, id: id) else {
                throw SchedulerError.notFound("no job with id \(id)")
            }
            try self.withdrawQueuedRuns(db, job: job, reason: "job deleted", at: audit.at)
            try db.execute(
                cached: "UPDATE runs SET cancel_requested = 1 WHERE job_id = ? AND status = 'running'", arguments: [id.rawValue])
            try db.execute(cached: "DELETE FROM jobs WHERE id = ?", arguments: [id.rawValue])
            try Self.insertAudit(db, audit, jobId: job.id, jobName: job.name)
            return job
        }
    }

    // MARK: - Statements shared by the verbs

    /// Ends every queued run of `job` as `cancelled` (code `cancelled`), state webhook included:
    /// a paused or deleted job has nothing waiting to start. Runs already leased are not touched.
    func withdrawQueuedRuns(_ db: Database, job: Job, reason: String, at now: Date) throws {
        let queued = try db.decodeAll(
            cached: "SELECT \(RowDecoding.runColumns) FROM runs WHERE job_id = ? AND status = 'queued'", arguments: [job.id.rawValue],
            RowDecoding.run)
        for var run in queued {
            run.apply(.error(.cancelled, reason), at: now)
            try Self.writeRunEnd(db, run)
            try recordTransition(db, job: job, run: run, previous: .queued, at: now)
        }
    }

    static func fetchJob(_ db: Database, id: JobID) throws -> Job? {
        try db.decodeOne(cached: "SELECT \(RowDecoding.jobColumns) FROM jobs WHERE id = ?", arguments: [id.rawValue], RowDecoding.job)
    }

    static func insertJob(_ db: Database, _ job: Job) throws {
        try db.execute(cached: insertJobSQL, arguments: RowDecoding.jobArguments(job))
    }

    static func updateJob(_ db: Database, _ job: Job) throws {
        try db.execute(cached: updateJobSQL, arguments: RowDecoding.jobArguments(job) + [job.id.rawValue])
    }

    static func insertAudit(_ db: Database, _ record: AuditRecord, details: String? = nil, jobId: JobID?, jobName: String?) throws {
        try db.execute(
            cached: "INSERT INTO audit_log (at, actor, action, job_id, job_name, details) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [ms(record.at), record.actor, record.action.rawValue, jobId?.rawValue, jobName, details ?? record.detailsJSON])
    }

    // Built once: a statement's SQL is its key in the connection's statement cache.
    private static let insertJobSQL = "INSERT INTO jobs (\(RowDecoding.jobColumns)) VALUES (\(placeholders(RowDecoding.jobColumnCount)))"
    private static let updateJobSQL =
        "UPDATE jobs SET (\(RowDecoding.jobColumns)) = (\(placeholders(RowDecoding.jobColumnCount))) WHERE id = ?"

    static func placeholders(_ n: Int) -> String {
        Array(repeating: "?", count: n).joined(separator: ", ")
    }
}
