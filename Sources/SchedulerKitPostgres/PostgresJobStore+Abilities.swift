import Crypto
import Foundation
import PostgresNIO
import SchedulerKit

extension PostgresJobStore: TokenStore {
    public func insertToken(_ token: APIToken, audit: AuditRecord) async throws {
        try await transaction { tx in
            let inserted = try await tx.count(
                """
                INSERT INTO api_tokens (name, role, token_hash, created_at, last_used_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (name) DO NOTHING RETURNING 1
                """,
                [.text(token.name), .text(token.role.rawValue), .text(token.hash), .instant(token.createdAt), .instant(token.lastUsedAt)])
            guard inserted > 0 else {
                throw SchedulerError(.alreadyExists, "a token named \"\(token.name)\" already exists", hint: "remove it first")
            }
            try await Self.insertAudit(tx, audit, jobId: nil, jobName: nil)
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await read { tx in try await tx.rows("SELECT \(Self.tokenColumns) FROM api_tokens ORDER BY name").map(Self.decodeToken) }
    }

    public func token(hash: String) async throws -> APIToken? {
        try await read { tx in
            try await tx.rows("SELECT \(Self.tokenColumns) FROM api_tokens WHERE token_hash = ?", [.text(hash)]).first.map(Self.decodeToken)
        }
    }

    @discardableResult
    public func deleteToken(named name: String, audit: AuditRecord) async throws -> APIToken {
        try await transaction { tx in
            guard
                let token = try await tx.rows("DELETE FROM api_tokens WHERE name = ? RETURNING \(Self.tokenColumns)", [.text(name)])
                    .first.map(Self.decodeToken)
            else {
                throw SchedulerError(.notFound, "no token named \"\(name)\"")
            }
            try await Self.insertAudit(tx, audit, jobId: nil, jobName: nil)
            return token
        }
    }

    public func touchToken(named name: String, at: Date) async throws {
        try await transaction { tx in
            try await tx.execute("UPDATE api_tokens SET last_used_at = ? WHERE name = ?", [.instant(at), .text(name)])
        }
    }

    static let tokenColumns = "name, role, token_hash, created_at, last_used_at"

    static func decodeToken(_ row: PostgresRandomAccessRow) throws -> APIToken {
        let roleText = try row.text(1)
        guard let role = TokenRole(rawValue: roleText) else {
            throw SchedulerError(.storage, "api_tokens: unknown role \"\(roleText)\"")
        }
        return APIToken(name: try row.text(0), role: role, hash: try row.text(2), createdAt: try row.instant(3), lastUsedAt: try row.instantOpt(4))
    }
}

extension PostgresJobStore: SchedulerRegistry {
    public func registerScheduler(_ s: SchedulerInstance) async throws {
        try await transaction { tx in
            try await tx.execute(
                """
                INSERT INTO scheduler_instances (id, host, pid, version, started_at, last_tick_at, tick_interval_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
                    started_at = excluded.started_at, last_tick_at = excluded.last_tick_at,
                    tick_interval_ms = excluded.tick_interval_ms
                """,
                [
                    .text(s.id), .text(s.host), .int(Int64(s.pid)), .text(s.version), .instant(s.startedAt), .instant(s.lastTickAt),
                    .int(Int64((s.tickInterval * 1000).rounded())),
                ])
        }
    }

    public func tickScheduler(id: String, at: Date) async throws -> Bool {
        try await transaction { tx in
            try await tx.count("UPDATE scheduler_instances SET last_tick_at = ? WHERE id = ? RETURNING 1", [.instant(at), .text(id)]) > 0
        }
    }

    public func removeScheduler(id: String) async throws {
        try await transaction { tx in
            try await tx.execute("DELETE FROM scheduler_instances WHERE id = ?", [.text(id)])
        }
    }

    public func schedulers() async throws -> [SchedulerInstance] {
        try await read { tx in
            try await tx.rows(
                "SELECT id, host, pid, version, started_at, last_tick_at, tick_interval_ms FROM scheduler_instances ORDER BY started_at, id"
            ).map { row in
                SchedulerInstance(
                    id: try row.text(0), host: try row.text(1), pid: Int32(truncatingIfNeeded: try row.int(2)), version: try row.text(3),
                    startedAt: try row.instant(4), lastTickAt: try row.instant(5), tickInterval: Double(try row.int(6)) / 1000)
            }
        }
    }
}

extension PostgresJobStore: ObservationStore {
    public func jobCounts() async throws -> [JobStatus: Int] {
        try await read { tx in
            var counts: [JobStatus: Int] = [:]
            for row in try await tx.rows("SELECT status, count(*)::bigint FROM jobs GROUP BY status") {
                if let status = JobStatus(rawValue: try row.text(0)) { counts[status, default: 0] += Int(try row.int(1)) }
            }
            return counts
        }
    }

    public func runCounts(_ query: RunCountQuery) async throws -> [RunCount] {
        try await read { tx in
            var (clauses, args) = Self.finishedWindow(since: query.finishedSince, before: query.finishedBefore)
            if let jobId = query.jobId {
                clauses.append("job_id = ?")
                args.append(.text(jobId.rawValue))
            }
            var sql = "SELECT job_id, job_name, status, error_code, count(*)::bigint FROM runs"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " GROUP BY job_id, job_name, status, error_code ORDER BY job_name COLLATE \"C\", job_id, status, error_code"
            return try await tx.rows(sql, args).map { row in
                RunCount(
                    jobId: JobID(try row.text(0)), jobName: try row.text(1), status: RunStatus(rawValue: try row.text(2)) ?? .systemError,
                    errorCode: try row.textOpt(3), count: Int(try row.int(4)))
            }
        }
    }

    public func runSamples(_ query: RunSampleQuery) async throws -> [RunSample] {
        try await read { tx in
            var (clauses, args) = Self.finishedWindow(since: query.finishedSince, before: query.finishedBefore)
            if let jobId = query.jobId {
                clauses.append("job_id = ?")
                args.append(.text(jobId.rawValue))
            }
            if let statuses = query.statuses, !statuses.isEmpty {
                clauses.append("status = ANY(?)")
                args.append(.texts(statuses.map(\.rawValue)))
            }
            let columns = "id, job_id, job_name, status, scheduled_for, not_before, started_at, finished_at, exit_code, error_code"
            let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let sql: String
            if let perJob = query.limitPerJob {
                sql = """
                    SELECT \(columns) FROM (
                        SELECT \(columns), ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY id DESC) AS rank
                        FROM runs\(filter)) ranked
                    WHERE rank <= ? ORDER BY id DESC
                    """
                args.append(.int(perJob))
            } else {
                sql = "SELECT \(columns) FROM runs\(filter) ORDER BY id DESC"
            }
            return try await tx.rows(sql, args).map { row in
                RunSample(
                    id: RunID(try row.text(0)), jobId: JobID(try row.text(1)), jobName: try row.text(2),
                    status: RunStatus(rawValue: try row.text(3)) ?? .systemError, scheduledFor: try row.instant(4),
                    notBefore: try row.instant(5), startedAt: try row.instantOpt(6), finishedAt: try row.instantOpt(7),
                    exitCode: try row.intOpt(8).map { Int32(truncatingIfNeeded: $0) }, errorCode: try row.textOpt(9))
            }
        }
    }

    public func deliveryCounts(_ query: DeliveryCountQuery) async throws -> [DeliveryCount] {
        try await read { tx in
            var clauses: [String] = []
            var args: [Arg] = []
            if let before = query.createdBefore {
                clauses.append("created_at < ?")
                args.append(.instant(before))
            }
            if let since = query.updatedSince {
                clauses.append("updated_at >= ?")
                args.append(.instant(since))
            }
            var sql = "SELECT channel, status, count(*)::bigint, MIN(created_at)::bigint FROM deliveries"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " GROUP BY channel, status ORDER BY channel, status"
            return try await tx.rows(sql, args).compactMap { row in
                guard let channel = DeliveryChannel(rawValue: try row.text(0)), let status = DeliveryStatus(rawValue: try row.text(1)) else {
                    return nil
                }
                return DeliveryCount(channel: channel, status: status, count: Int(try row.int(2)), oldestCreatedAt: try row.instant(3))
            }
        }
    }

    private static func finishedWindow(since: Date?, before: Date?) -> ([String], [Arg]) {
        var clauses: [String] = []
        var args: [Arg] = []
        if let since {
            clauses.append("finished_at >= ?")
            args.append(.instant(since))
        }
        if let before {
            clauses.append("finished_at < ?")
            args.append(.instant(before))
        }
        if before != nil && since == nil { clauses.append("finished_at IS NOT NULL") }
        return (clauses, args)
    }
}

/// Retention: each call deletes a bounded batch in its own transaction, so it is safe on every
/// node at once (two pruners delete disjoint or the same rows; neither waits long).
extension PostgresJobStore: PrunableStore {
    public func pruneRuns(before cutoff: Date, limit: Int) async throws -> RunPruneResult {
        guard limit > 0 else { return RunPruneResult() }
        let bound = ULID.lowerBound(for: cutoff)
        return try await transaction { tx in
            let ids = try await tx.rows(
                """
                SELECT id FROM runs WHERE id < ? AND status NOT IN ('queued', 'running') ORDER BY id LIMIT ?
                FOR UPDATE SKIP LOCKED
                """,
                [.text(bound), .int(limit)]
            ).map { try $0.text(0) }
            return try await Self.deleteRuns(tx, ids: ids)
        }
    }

    public func pruneRunsBeyond(keep: Int, limit: Int, fromJob: JobID?) async throws -> RunPruneResult {
        guard limit > 0 else { return RunPruneResult(nextJob: fromJob) }
        let keep = max(0, keep)
        return try await transaction { tx in
            var job: String?
            if let fromJob {
                job = try await tx.one(String.self, "SELECT MIN(job_id) FROM runs WHERE job_id >= ?", [.text(fromJob.rawValue)])
            } else {
                job = try await tx.one(String.self, "SELECT MIN(job_id) FROM runs")
            }
            var ids: [String] = []
            var visited = 0
            var resume: String?
            while let j = job, visited < 64 {
                visited += 1
                if let cutoff = try await tx.one(
                    String.self, "SELECT id FROM runs WHERE job_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?", [.text(j), .int(keep)])
                {
                    ids += try await tx.rows(
                        """
                        SELECT id FROM runs WHERE job_id = ? AND id <= ? AND status NOT IN ('queued', 'running')
                        ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED
                        """,
                        [.text(j), .text(cutoff), .int(limit - ids.count)]
                    ).map { try $0.text(0) }
                    if ids.count >= limit {
                        resume = j
                        break
                    }
                }
                job = try await tx.one(String.self, "SELECT MIN(job_id) FROM runs WHERE job_id > ?", [.text(j)])
                resume = job
            }
            var result = try await Self.deleteRuns(tx, ids: ids)
            result.nextJob = resume.map { JobID($0) }
            return result
        }
    }

    public func pruneDeliveries(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await transaction { tx in
            try await tx.count(
                """
                DELETE FROM deliveries WHERE id IN (
                    SELECT id FROM deliveries WHERE status IN ('delivered', 'failed', 'dead') AND id < ? LIMIT ?
                    FOR UPDATE SKIP LOCKED)
                RETURNING 1
                """,
                [.text(ULID.lowerBound(for: cutoff)), .int(limit)])
        }
    }

    public func pruneAudit(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await transaction { tx in
            try await tx.count(
                """
                DELETE FROM audit_log WHERE id IN (
                    SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ? FOR UPDATE SKIP LOCKED)
                RETURNING 1
                """,
                [.instant(cutoff), .int(limit)])
        }
    }

    /// Artifacts live in the database: there are no files to sweep.
    public func pruneOrphanArtifactFiles(before cutoff: Date) async throws -> Int { 0 }

    /// PostgreSQL's autovacuum reuses the space of deleted rows; nothing to do here.
    public func reclaimSpace(pages: Int) async throws -> Int { 0 }

    public func storageSize() async throws -> StorageSize {
        try await read { tx in
            let bytes = try await tx.one(Int64.self, "SELECT pg_database_size(current_database())::bigint") ?? 0
            return StorageSize(pageSize: 8192, pages: Int(bytes / 8192), freePages: 0)
        }
    }

    static func deleteRuns(_ tx: Tx, ids: [String]) async throws -> RunPruneResult {
        guard !ids.isEmpty else { return RunPruneResult() }
        let artifacts = try await tx.count("DELETE FROM run_artifacts WHERE run_id = ANY(?) RETURNING 1", [.texts(ids)])
        let runs = try await tx.count("DELETE FROM runs WHERE id = ANY(?) RETURNING 1", [.texts(ids)])
        return RunPruneResult(runs: runs, artifacts: artifacts)
    }
}

extension PostgresJobStore: ArtifactStore {
    @discardableResult
    public func saveArtifact(_ p: SaveArtifactParams) async throws -> Artifact {
        try p.validate(sizeLimit: artifactSizeLimit, setting: "PostgresJobStore.Configuration.artifactSizeLimit")
        let now = p.now.millisecondPrecision
        let digest = Hex.lowercase(SHA256.hash(data: p.data))
        let artifact = Artifact(
            id: ULID.generate(at: now), runId: p.runId, jobId: "", name: p.name, contentType: p.contentType, size: p.data.count,
            sha256: digest, storage: .database, createdAt: now)
        return try await transaction { tx in
            guard let row = try await tx.rows("SELECT job_id, status FROM runs WHERE id = ? FOR SHARE", [.text(p.runId.rawValue)]).first else {
                throw SchedulerError(.notFound, "no run with id \"\(p.runId)\"")
            }
            let status = try row.text(1)
            guard status == RunStatus.running.rawValue else {
                throw SchedulerError(.refused, "run \(p.runId) is \(status); artifacts are attached while a run is running")
            }
            var stored = artifact
            stored.jobId = JobID(try row.text(0))
            let inserted = try await tx.count(
                """
                INSERT INTO run_artifacts (id, run_id, job_id, name, content_type, size, sha256, data, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name) DO NOTHING RETURNING 1
                """,
                [
                    .text(stored.id), .text(stored.runId.rawValue), .text(stored.jobId.rawValue), .text(stored.name),
                    .text(stored.contentType), .int(stored.size), .text(stored.sha256), .bytes(p.data), .instant(stored.createdAt),
                ])
            guard inserted > 0 else {
                throw SchedulerError(.alreadyExists, "run \(p.runId) already has an artifact named \"\(p.name)\"", hint: "use another name")
            }
            return stored
        }
    }

    public func artifacts(runId: RunID) async throws -> [Artifact] {
        try await read { tx in try await Self.fetchArtifacts(tx, runId: runId, contentUpTo: nil) }
    }

    public func artifact(runId: RunID, name: String) async throws -> Artifact? {
        let found = try await read { tx -> (Artifact, Data)? in
            guard
                let row = try await tx.rows(
                    "SELECT \(Self.artifactColumns), data FROM run_artifacts WHERE run_id = ? AND name = ?",
                    [.text(runId.rawValue), .text(name)]
                ).first
            else { return nil }
            return (try Self.decodeArtifact(row), try row[8].decode(Data.self))
        }
        guard let (found, data) = found else { return nil }
        let digest = Hex.lowercase(SHA256.hash(data: data))
        var artifact = found
        guard digest == artifact.sha256 else {
            throw SchedulerError(.storage, "artifact \(name) of run \(runId) is corrupt (its SHA-256 no longer matches)")
        }
        artifact.data = data
        return artifact
    }

    static let artifactColumns = "id, run_id, job_id, name, content_type, size, sha256, created_at"

    static func decodeArtifact(_ row: PostgresRandomAccessRow) throws -> Artifact {
        Artifact(
            id: try row.text(0), runId: RunID(try row.text(1)), jobId: JobID(try row.text(2)), name: try row.text(3),
            contentType: try row.text(4), size: Int(try row.int(5)), sha256: try row.text(6), storage: .database,
            createdAt: try row.instant(7))
    }

    static func fetchArtifacts(_ tx: Tx, runId: RunID, contentUpTo limit: Int?) async throws -> [Artifact] {
        if let limit {
            return try await tx.rows(
                """
                SELECT \(artifactColumns), CASE WHEN size <= ? THEN data END FROM run_artifacts WHERE run_id = ? ORDER BY id
                """,
                [.int(limit), .text(runId.rawValue)]
            ).map { row in
                var a = try decodeArtifact(row)
                a.data = try row[8].decode(Data?.self)
                return a
            }
        }
        return try await tx.rows("SELECT \(artifactColumns) FROM run_artifacts WHERE run_id = ? ORDER BY id", [.text(runId.rawValue)])
            .map(decodeArtifact)
    }
}
