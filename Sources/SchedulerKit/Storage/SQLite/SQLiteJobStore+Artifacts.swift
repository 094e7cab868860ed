import Foundation
import GRDB

extension SQLiteJobStore: ArtifactStore {
    /// Where large artifacts live: `<db path>.artifacts/`.
    var artifactFiles: ArtifactFiles { ArtifactFiles(databasePath: path) }

    @discardableResult
    public func saveArtifact(_ p: SaveArtifactParams) async throws -> Artifact {
        try p.validate(sizeLimit: artifactSizeLimit, setting: "SQLiteJobStore.Configuration.artifactSizeLimit")
        let now = p.now.millisecondPrecision
        var artifact = Artifact(
            id: ULID.generate(at: now), runId: p.runId, jobId: "", name: p.name, contentType: p.contentType, size: p.data.count,
            sha256: ArtifactFiles.sha256(p.data), storage: .database, createdAt: now)

        if p.data.count <= artifactInlineLimit {
            let inline = artifact
            return try await write(notify: false) { db in
                var stored = inline
                stored.jobId = try Self.checkArtifactTarget(db, runId: p.runId, name: p.name)
                try Self.insertArtifact(db, stored, data: p.data)
                return stored
            }
        }

        // Check before writing the file, so a refused save leaves nothing behind.
        let jobId = try await read { db in try Self.checkArtifactTarget(db, runId: p.runId, name: p.name) }
        let files = artifactFiles
        let relative = files.relativePath(jobId: jobId, runId: p.runId, artifactId: artifact.id)
        let absolute = files.absolute(relative)
        try files.write(p.data, to: absolute)
        artifact.jobId = jobId
        artifact.storage = .file(path: relative)
        let onDisk = artifact
        do {
            return try await write(notify: false) { db in
                _ = try Self.checkArtifactTarget(db, runId: p.runId, name: p.name)
                try Self.insertArtifact(db, onDisk, data: nil)
                return onDisk
            }
        } catch {
            files.remove(absolute)
            throw error
        }
    }

    public func artifacts(runId: RunID) async throws -> [Artifact] {
        try await read { db in try Self.fetchArtifacts(db, runId: runId, contentUpTo: nil) }
    }

    public func artifact(runId: RunID, name: String) async throws -> Artifact? {
        let found = try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT \(Self.artifactColumns), data FROM run_artifacts WHERE run_id = ? AND name = ?",
                arguments: [runId.rawValue, name]
            ).map { row in (Self.decodeArtifact(row), row["data"] as Data?) }
        }
        guard let found else { return nil }
        var artifact = found.0
        let data = found.1
        switch artifact.storage {
        case .database:
            let bytes = data ?? Data()
            guard ArtifactFiles.sha256(bytes) == artifact.sha256 else {
                throw SchedulerError(.storage, "artifact \(name) of run \(runId) is corrupt (its SHA-256 no longer matches)")
            }
            artifact.data = bytes
        case .file(let relative):
            let absolute = artifactFiles.absolute(relative)
            guard let bytes = try artifactFiles.read(absolute, sha256: artifact.sha256) else {
                // Pruned between the two reads: the artifact is gone with its run.
                if try await run(id: runId) == nil { return nil }
                throw SchedulerError(.storage, "artifact \(name) of run \(runId): file \(absolute) is missing")
            }
            artifact.data = bytes
        }
        return artifact
    }

    // MARK: - Statements shared by the verbs

    static let artifactColumns = "id, run_id, job_id, name, content_type, size, sha256, file_path, created_at"

    /// The job of a run that may get an artifact named `name`.
    ///
    /// - throws: `.notFound` (no run), `.refused` (not running), `.alreadyExists` (name taken).
    static func checkArtifactTarget(_ db: Database, runId: RunID, name: String) throws -> JobID {
        guard let row = try Row.fetchOne(db, sql: "SELECT job_id, status FROM runs WHERE id = ?", arguments: [runId.rawValue]) else {
            throw SchedulerError(.notFound, "no run with id \"\(runId)\"")
        }
        let status: String = row["status"]
        guard status == RunStatus.running.rawValue else {
            throw SchedulerError(.refused, "run \(runId) is \(status); artifacts are attached while a run is running")
        }
        let taken = try Bool.fetchOne(
            db, sql: "SELECT 1 FROM run_artifacts WHERE run_id = ? AND name = ?", arguments: [runId.rawValue, name]) ?? false
        if taken {
            throw SchedulerError(.alreadyExists, "run \(runId) already has an artifact named \"\(name)\"", hint: "use another name")
        }
        return JobID(row["job_id"] as String)
    }

    static func insertArtifact(_ db: Database, _ a: Artifact, data: Data?) throws {
        var filePath: String?
        if case .file(let path) = a.storage { filePath = path }
        try db.execute(
            sql: """
                INSERT INTO run_artifacts (id, run_id, job_id, name, content_type, size, sha256, data, file_path, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                a.id, a.runId.rawValue, a.jobId.rawValue, a.name, a.contentType, a.size, a.sha256, data, filePath, ms(a.createdAt),
            ])
    }

    /// The artifacts of a run, oldest first, with the bytes of database-stored ones up to
    /// `contentUpTo` bytes (none when nil).
    static func fetchArtifacts(_ db: Database, runId: RunID, contentUpTo limit: Int?) throws -> [Artifact] {
        let rows: [Row]
        if let limit {
            rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(artifactColumns), CASE WHEN file_path IS NULL AND size <= ? THEN data END AS data
                    FROM run_artifacts WHERE run_id = ? ORDER BY id
                    """,
                arguments: [limit, runId.rawValue])
        } else {
            rows = try Row.fetchAll(
                db, sql: "SELECT \(artifactColumns) FROM run_artifacts WHERE run_id = ? ORDER BY id", arguments: [runId.rawValue])
        }
        return rows.map { row in
            var a = decodeArtifact(row)
            if limit != nil, let data = row["data"] as Data? { a.data = data }
            if limit != nil, a.data == nil, a.size == 0, a.storage == .database { a.data = Data() }
            return a
        }
    }

    static func decodeArtifact(_ row: Row) -> Artifact {
        let filePath: String? = row["file_path"]
        return Artifact(
            id: row["id"], runId: RunID(row["run_id"] as String), jobId: JobID(row["job_id"] as String), name: row["name"],
            contentType: row["content_type"], size: row["size"], sha256: row["sha256"],
            storage: filePath.map { .file(path: $0) } ?? .database, createdAt: date(ms: row["created_at"]))
    }
}
