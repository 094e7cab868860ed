import Foundation
import PostgresNIO
import SchedulerKit

extension PostgresJobStore {
    public func enqueueRun(_ run: Run, check: @escaping @Sendable (Job) throws -> Void, audit: AuditRecord?) async throws {
        try await transaction(notify: true) { tx in
            guard let job = try await Self.fetchJob(tx, id: run.jobId, lock: true) else {
                throw SchedulerError(.notFound, "no job with id \(run.jobId)")
            }
            try check(job)
            guard try await Self.insertRun(tx, run) else {
                throw SchedulerError(.refused, "job \"\(job.name)\" already has a run for \(ISO8601.string(run.scheduledFor))")
            }
            try await self.recordTransition(tx, job: job, run: run, previous: nil, at: run.queuedAt)
            if let audit {
                try await Self.insertAudit(tx, audit, jobId: job.id, jobName: job.name)
            }
        }
    }

    public func run(id: RunID) async throws -> Run? {
        try await read { tx in try await Self.fetchRun(tx, id: id) }
    }

    public func runs(_ query: RunQuery) async throws -> [Run] {
        try await read { tx in
            var clauses: [String] = []
            var args: [Arg] = []
            if let jobId = query.jobId {
                clauses.append("job_id = ?")
                args.append(.text(jobId.rawValue))
            }
            if let statuses = query.statuses, !statuses.isEmpty {
                clauses.append("status = ANY(?)")
                args.append(.texts(statuses.map(\.rawValue)))
            }
            if let since = query.since {
                clauses.append("id >= ?")
                args.append(.text(ULID.lowerBound(for: since)))
            }
            if let before = query.before {
                clauses.append("id < ?")
                args.append(.text(before.rawValue))
            }
            var sql = "SELECT \(Rows.runColumns) FROM runs"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " ORDER BY id DESC"
            if let limit = query.limit {
                sql += " LIMIT ?"
                args.append(.int(limit))
            }
            return try await tx.rows(sql, args).map(Rows.run)
        }
    }

    // MARK: - Statements shared by the verbs

    static func fetchRun(_ tx: Tx, id: RunID, lock: Bool = false) async throws -> Run? {
        try await tx.rows(
            "SELECT \(Rows.runColumns) FROM runs WHERE id = ?\(lock ? " FOR UPDATE" : "")", [.text(id.rawValue)]
        ).first.map(Rows.run)
    }

    /// Inserts a run; false when its (job, slot, attempt) already exists — on any node.
    static func insertRun(_ tx: Tx, _ run: Run) async throws -> Bool {
        try await tx.count(
            "INSERT INTO runs (\(Rows.runColumns)) VALUES (\(placeholders(21))) ON CONFLICT DO NOTHING RETURNING 1",
            Rows.runArguments(run)) > 0
    }

    static func writeRunEnd(_ tx: Tx, _ run: Run) async throws {
        try await tx.execute(
            """
            UPDATE runs SET status = ?, finished_at = ?, exit_code = ?, error_type = ?, error_code = ?,
                error_category = ?, error_message = ?, output = ?, lease_expires_at = NULL
            WHERE id = ?
            """,
            [
                .text(run.status.rawValue), .instant(run.finishedAt), .int(run.exitCode.map { Int64($0) }),
                .text(run.errorType?.rawValue), .text(run.errorCode), .text(run.errorCategory), .text(run.errorMessage),
                .text(run.output), .text(run.id.rawValue),
            ])
    }

    /// Offers a run's transition to the outbox policy and writes what it returns, in the
    /// caller's transaction.
    @discardableResult
    func recordTransition(_ tx: Tx, job: Job, run: Run, previous: RunStatus?, at: Date) async throws -> Int {
        let failure = run.status.isFailure
        guard job.stateWebhookURL != nil || failure else { return 0 }
        let alerts = failure ? try await Self.fetchAlerts(tx, jobId: job.id) : []
        guard job.stateWebhookURL != nil || !alerts.isEmpty else { return 0 }
        var transition = RunTransition(job: job, run: run, previous: previous, alerts: alerts, at: at)
        if run.status.isTerminal, let contentLimit = outbox.artifactContentLimit {
            transition.artifacts = try await Self.fetchArtifacts(tx, runId: run.id, contentUpTo: contentLimit)
        }
        let deliveries = outbox.deliveries(for: transition)
        guard !deliveries.isEmpty else { return 0 }
        var sequence = try await tx.one(
            Int64.self, "SELECT COALESCE(MAX(sequence), 0)::bigint FROM deliveries WHERE run_id = ?", [.text(run.id.rawValue)]) ?? 0
        for d in deliveries {
            sequence += 1
            try await tx.execute(
                """
                INSERT INTO deliveries (id, run_id, job_id, job_name, alert_id, channel, event, target, secret, payload,
                    status, attempts, next_attempt_at, created_at, updated_at, sequence)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)
                """,
                [
                    .text(d.id), .text(run.id.rawValue), .text(job.id.rawValue), .text(job.name), .text(d.alertId),
                    .text(d.channel.rawValue), .text(d.event), .text(d.target), .text(d.secret), .text(d.payload),
                    .instant(d.firstAttemptAt), .instant(at), .instant(at), .int(sequence),
                ])
        }
        return deliveries.count
    }
}
