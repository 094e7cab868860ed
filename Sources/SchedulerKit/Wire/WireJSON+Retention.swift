import Foundation

extension WireJSON {
    /// An artifact: `id, run_id, job_id, name, content_type, size, sha256, stored
    /// ("database"|"file"), path (the file, relative to the database's directory, or null),
    /// created_at`.
    public static func artifact(_ artifact: Artifact) -> JSONValue {
        var stored = "database"
        var path: String?
        if case .file(let p) = artifact.storage {
            stored = "file"
            path = p
        }
        return .object(sorting: [
            "id": .string(artifact.id),
            "run_id": .string(artifact.runId.rawValue),
            "job_id": .string(artifact.jobId.rawValue),
            "name": .string(artifact.name),
            "content_type": .string(artifact.contentType),
            "size": .int(artifact.size),
            "sha256": .string(artifact.sha256),
            "stored": .string(stored),
            "path": .string(path),
            "created_at": .date(artifact.createdAt),
        ])
    }

    /// What `prune` removed: `runs, runs_by_age, runs_by_count, artifacts, artifact_files,
    /// deliveries, audit_entries, pages_reclaimed, bytes_before, bytes_after`, and the settings
    /// used: `older_than_seconds, keep`.
    public static func prune(_ report: PruneReport, olderThan: Double?, keep: Int?) -> JSONValue {
        .object(sorting: [
            "runs": .int(report.runs),
            "runs_by_age": .int(report.runsByAge),
            "runs_by_count": .int(report.runsByCount),
            "artifacts": .int(report.artifacts),
            "artifact_files": .int(report.artifactFiles),
            "deliveries": .int(report.deliveries),
            "audit_entries": .int(report.auditEntries),
            "pages_reclaimed": .int(report.pagesReclaimed),
            "bytes_before": .int(report.bytesBefore),
            "bytes_after": .int(report.bytesAfter),
            "older_than_seconds": .seconds(olderThan),
            "keep": .int(keep),
        ])
    }
}
