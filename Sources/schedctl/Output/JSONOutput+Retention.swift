import Foundation
import SchedulerKit

extension JSONOutput {
    /// An artifact: `id, run_id, job_id, name, content_type, size, sha256, stored
    /// ("database"|"file"), path (the file, relative to the database's directory, or null),
    /// created_at`.
    static func artifact(_ artifact: Artifact) -> JSONValue {
        var stored = "database"
        var path: String?
        if case .file(let p) = artifact.storage {
            stored = "file"
            path = p
        }
        return .members([
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
    static func prune(_ report: PruneReport, olderThan: Double?, keep: Int?) -> JSONValue {
        .members([
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

/// Byte counts for people: `512 B`, `1.5 KiB`, `12.3 MiB`.
enum ByteCount {
    static func format<I: BinaryInteger>(_ bytes: I) -> String {
        let value = Double(Int64(bytes))
        if value < 1024 { return "\(Int64(bytes)) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var scaled = value / 1024
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return String(format: "%.1f %@", scaled, units[unit])
    }
}
