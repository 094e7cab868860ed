import Foundation
import GRDB

extension SQLiteJobStore {
    public func enqueueRun(_ run: Run, check: @escaping @Sendable (Job) throws -> Void, audit: AuditRecord?) async throws {
        try await write { db in
            guard let job = try Self.fetchJob(db, id: run.jobId) else {
                throw SchedulerError.notFound("no job with id \(run.jobId)")
            }
            try check(job)
            guard try Self.insertRun(db, run) else {
                throw SchedulerError(.refused, "job \"\(job.name)\" already has a run for \(ISO8601.string(run.scheduledFor))")
            }
            try self.recordTransition(db, job: job, run: run, previous: nil, at: run.queuedAt)
            if let audit {
                try Self.insertAudit(db, audit, jobId: job.id, jobName: job.name)
            }
        }
    }

    public func run(id: RunID) async throws -> Run? {
        try await read { db in try Self.fetchRun(db, id: id) }
    }

    public func runs(_ query: RunQuery) async throws -> [Run] {
        try await read { db in
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if let jobId = query.jobId {
                clauses.append("job_id = ?")
                args.append(jobId.rawValue)
            }
            if let statuses = query.statuses, !statuses.isEmpty {
                clauses.append("status IN (\(Self.placeholders(statuses.count)))")
                args.append(contentsOf: statuses.map(\.rawValue))
            }
            if let since = query.since {
                // ids are ULIDs: their prefix is the creation time, so this is a range on the key
                clauses.append("id >= ?")
                args.append(ULID.lowerBound(for: since))
            }
            if let before = query.before {
                clauses.append("id < ?")
                args.append(before.rawValue)
            }
            var sql = "SELECT \(RowDecoding.runColumns) FROM runs"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id DESC"
            if let limit = query.limit {
                sql += " LIMIT ?"
                args.append(limit)
            }
            return try db.decodeAll(cached: sql, arguments: StatementArguments(args), RowDecoding.run)
        }
    }

    // MARK: - Statements shared by the verbs

    static func fetchRun(_ db: Database, id: RunID) throws -> Run? {
        try db.decodeOne(cached: "SELECT \(RowDecoding.runColumns) FROM runs WHERE id = ?", arguments: [id.rawValue], RowDecoding.run)
    }

    /// Inserts a run; false when its (job, slot, attempt) already exists.
    static func insertRun(_ db: Database, _ run: Run) throws -> Bool {
        try db.execute(
            cached: "INSERT INTO runs (\(RowDecoding.runColumns)) VALUES (\(placeholders(21))) ON CONFLICT DO NOTHING",
            arguments: RowDecoding.runArguments(run))
        return db.changesCount > 0
    }

    /// Writes how a run ended (after `Run.apply(_:at:)`). Only the ending's columns are set, so
    /// SQLite leaves untouched the indexes on the others.
    static func writeRunEnd(_ db: Database, _ run: Run) throws {
        try db.execute(
            cached: """
                UPDATE runs SET status = ?, finished_at = ?, exit_code = ?, error_type = ?, error_code = ?,
                    error_category = ?, error_message = ?, output = ?, lease_expires_at = NULL
                WHERE id = ?
                """,
            arguments: [
                run.status.rawValue, msOpt(run.finishedAt), run.exitCode.map { Int64($0) }, run.errorType?.rawValue,
                run.errorCode, run.errorCategory, run.errorMessage, run.output, run.id.rawValue,
            ])
    }

    /// Offers a run's transition to the outbox policy and writes what it returns, in the
    /// caller's transaction. Cheap for jobs without state webhook or alerts.
    @discardableResult
    func recordTransition(_ db: Database, job: Job, run: Run, previous: RunStatus?, at: Date) throws -> Int {
        let failure = run.status.isFailure
        guard job.stateWebhookURL != nil || failure else { return 0 }
        let alerts = failure ? try Self.fetchAlerts(db, jobId: job.id) : []
        guard job.stateWebhookURL != nil || !alerts.isEmpty else { return 0 }
        var transition = RunTransition(job: job, run: run, previous: previous, alerts: alerts, at: at)
        if run.status.isTerminal, let contentLimit = outbox.artifactContentLimit {
            transition.artifacts = try Self.fetchArtifacts(db, runId: run.id, contentUpTo: contentLimit)
        }
        let deliveries = outbox.deliveries(for: transition)
        guard !deliveries.isEmpty else { return 0 }
        var sequence = try Int.fetchOne(
            cached: db, sql: "SELECT COALESCE(MAX(sequence), 0) FROM deliveries WHERE run_id = ?", arguments: [run.id.rawValue]) ?? 0
        for d in deliveries {
            sequence += 1
            try db.execute(
                cached: """
                    INSERT INTO deliveries (id, run_id, job_id, job_name, alert_id, channel, event, target, secret, payload,
                        status, attempts, next_attempt_at, created_at, updated_at, sequence)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)
                    """,
                arguments: [
                    d.id, run.id.rawValue, job.id.rawValue, job.name, d.alertId, d.channel.rawValue, d.event, d.target,
                    d.secret, d.payload, ms(d.firstAttemptAt), ms(at), ms(at), sequence,
                ])
        }
        return deliveries.count
    }
}
