import Foundation
import GRDB

extension SQLiteJobStore: PrunableStore {
    /// Jobs one ``pruneRunsBeyond(keep:limit:fromJob:)`` call looks at, at most: each costs an
    /// index walk of `keep` entries, done in a read transaction (no write lock).
    static let jobsPerPruneBatch = 64

    public func pruneRuns(before cutoff: Date, limit: Int) async throws -> RunPruneResult {
        guard limit > 0 else { return RunPruneResult() }
        // Run ids are ULIDs: "created before cutoff" is a range on the primary key.
        let bound = ULID.lowerBound(for: cutoff)
        let (result, files) = try await pruningWrite { db in
            let ids = try String.fetchAll(
                db,
                sql: "SELECT id FROM runs WHERE id < ? AND status NOT IN ('queued', 'running') ORDER BY id LIMIT ?",
                arguments: [bound, limit])
            return try Self.deleteRuns(db, ids: ids)
        }
        return removeFiles(files, from: result)
    }

    public func pruneRunsBeyond(keep: Int, limit: Int, fromJob: JobID?) async throws -> RunPruneResult {
        guard limit > 0 else { return RunPruneResult(nextJob: fromJob) }
        let keep = max(0, keep)
        // Read first, without the write lock: for each job, the newest run beyond the `keep`
        // newest. Runs added meanwhile only make that cutoff conservative.
        let (cutoffs, unvisited) = try await read { db -> ([(job: String, cutoff: String)], String?) in
            var job: String?
            if let fromJob {
                job = try String.fetchOne(db, sql: "SELECT MIN(job_id) FROM runs WHERE job_id >= ?", arguments: [fromJob.rawValue])
            } else {
                job = try String.fetchOne(db, sql: "SELECT MIN(job_id) FROM runs")
            }
            var found: [(job: String, cutoff: String)] = []
            var visited = 0
            while let j = job, visited < Self.jobsPerPruneBatch {
                visited += 1
                if let cutoff = try String.fetchOne(
                    db, sql: "SELECT id FROM runs WHERE job_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?", arguments: [j, keep])
                {
                    found.append((job: j, cutoff: cutoff))
                }
                job = try String.fetchOne(db, sql: "SELECT MIN(job_id) FROM runs WHERE job_id > ?", arguments: [j])
            }
            return (found, job)
        }
        guard !cutoffs.isEmpty else { return RunPruneResult(nextJob: unvisited.map { JobID($0) }) }
        let (result, files) = try await pruningWrite { db in
            var ids: [String] = []
            var resume: String? = unvisited
            for (job, cutoff) in cutoffs {
                ids += try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM runs WHERE job_id = ? AND id <= ? AND status NOT IN ('queued', 'running')
                        ORDER BY id LIMIT ?
                        """,
                    arguments: [job, cutoff, limit - ids.count])
                if ids.count >= limit {
                    // This job may have more: the next call starts with it.
                    resume = job
                    break
                }
            }
            var (result, files) = try Self.deleteRuns(db, ids: ids)
            result.nextJob = resume.map { JobID($0) }
            return (result, files)
        }
        return removeFiles(files, from: result)
    }

    public func pruneDeliveries(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        let bound = ULID.lowerBound(for: cutoff)
        return try await pruningWrite { db in
            try db.execute(
                sql: """
                    DELETE FROM deliveries WHERE rowid IN (
                        SELECT rowid FROM deliveries WHERE status IN ('delivered', 'failed', 'dead') AND id < ? LIMIT ?)
                    """,
                arguments: [bound, limit])
            return db.changesCount
        }
    }

    public func pruneAudit(before cutoff: Date, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await pruningWrite { db in
            try db.execute(
                sql: "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)",
                arguments: [ms(cutoff), limit])
            return db.changesCount
        }
    }

    public func pruneOrphanArtifactFiles(before cutoff: Date) async throws -> Int {
        let files = artifactFiles
        // An artifact id is a ULID made when the file was written: files younger than the cutoff
        // may belong to a save still in progress (renamed, metadata not yet committed).
        let candidates = files.listFiles().filter { ULID.date(of: $0.id).map { $0 < cutoff } ?? false }
        guard !candidates.isEmpty else { return 0 }
        var removed = 0
        for chunk in stride(from: 0, to: candidates.count, by: 500).map({ Array(candidates[$0..<min($0 + 500, candidates.count)]) }) {
            let ids = chunk.map(\.id)
            let known = try await read { db in
                Set(try String.fetchAll(
                    db, sql: "SELECT id FROM run_artifacts WHERE id IN (\(Self.placeholders(ids.count)))",
                    arguments: StatementArguments(ids)))
            }
            for file in chunk where !known.contains(file.id) || file.path.hasSuffix(".tmp") {
                if files.remove(file.path) { removed += 1 }
            }
        }
        return removed
    }

    public func reclaimSpace(pages: Int) async throws -> Int {
        guard pages > 0 else { return 0 }
        return try await pruningWrite(transaction: false) { db in
            let before = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA incremental_vacuum(\(pages))")
            let after = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            // The file shrinks when the log is copied back into it: pruningWrite does that.
            return before - after
        }
    }

    public func storageSize() async throws -> StorageSize {
        try await read { db in
            StorageSize(
                pageSize: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096,
                pages: try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0,
                freePages: try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
        }
    }

    // MARK: - Helpers

    /// Automatic checkpoints happen after this many log pages: SQLite's default, which the store
    /// never changes except around retention writes.
    static let autocheckpointPages = 1000

    /// Runs one retention write so that nothing waits for the checkpoint it makes necessary.
    ///
    /// With automatic checkpoints, the commit that grows the log past 1,000 pages copies it back
    /// into the database and fsyncs, while holding the writer: bulk deletes would make claims wait
    /// for that. So the write commits without it, the log is then checkpointed on a connection
    /// of its own (passive: writers go on meanwhile), and automatic checkpoints are turned back on.
    func pruningWrite<T: Sendable>(transaction: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result: T
        do {
            if transaction {
                result = try await write(notify: false) { db in
                    try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                    return try body(db)
                }
            } else {
                writesInFlight.add(1, ordering: .relaxed)
                defer { writesInFlight.subtract(1, ordering: .relaxed) }
                result = try await pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                    return try body(db)
                }
            }
            try await checkpointAside()
        } catch {
            try? await restoreAutocheckpoint()
            throw Self.mapError(error, path: path)
        }
        try await restoreAutocheckpoint()
        return result
    }

    /// A passive checkpoint on the store's checkpoint connection: copies what it can of the log
    /// into the database (truncating the file when it shrank) without taking the write lock.
    func checkpointAside() async throws {
        do {
            let connection = try checkpointConnection.withLock { connection -> DatabaseQueue in
                if let connection { return connection }
                var configuration = GRDB.Configuration()
                configuration.busyMode = .timeout(1)
                configuration.label = "SchedulerKit.checkpoint"
                let opened = try DatabaseQueue(path: path, configuration: configuration)
                connection = opened
                return opened
            }
            try await connection.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    private func restoreAutocheckpoint() async throws {
        do {
            try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.autocheckpointPages)")
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    /// Deletes runs and their artifacts in the caller's transaction.
    ///
    /// - returns: the counts, and the artifact files to remove once the transaction commits.
    static func deleteRuns(_ db: Database, ids: [String]) throws -> (RunPruneResult, [String]) {
        guard !ids.isEmpty else { return (RunPruneResult(), []) }
        let list = placeholders(ids.count)
        let args = StatementArguments(ids)
        let files = try String.fetchAll(
            db, sql: "SELECT file_path FROM run_artifacts WHERE run_id IN (\(list)) AND file_path IS NOT NULL", arguments: args)
        try db.execute(sql: "DELETE FROM run_artifacts WHERE run_id IN (\(list))", arguments: args)
        let artifacts = db.changesCount
        try db.execute(sql: "DELETE FROM runs WHERE id IN (\(list))", arguments: args)
        return (RunPruneResult(runs: db.changesCount, artifacts: artifacts), files)
    }

    /// Removes the files of pruned artifacts (after their rows are gone for good) and counts them.
    private func removeFiles(_ relativePaths: [String], from result: RunPruneResult) -> RunPruneResult {
        var result = result
        let files = artifactFiles
        for relative in relativePaths where files.remove(files.absolute(relative)) {
            result.artifactFiles += 1
        }
        return result
    }
}
