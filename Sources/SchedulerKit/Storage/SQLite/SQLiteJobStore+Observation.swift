import Foundation
import GRDB

extension SQLiteJobStore: ObservationStore {
    public func jobCounts() async throws -> [JobStatus: Int] {
        try await read { db in
            var counts: [JobStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM jobs GROUP BY status") {
                if let status = JobStatus(rawValue: row["status"]) { counts[status, default: 0] += row["n"] as Int }
            }
            return counts
        }
    }

    public func runCounts(_ query: RunCountQuery) async throws -> [RunCount] {
        try await read { db in
            var (clauses, args) = Self.finishedWindow(since: query.finishedSince, before: query.finishedBefore)
            if let jobId = query.jobId {
                clauses.append("job_id = ?")
                args.append(jobId.rawValue)
            }
            var sql = "SELECT job_id, job_name, status, error_code, count(*) AS n FROM runs"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " GROUP BY job_id, job_name, status, error_code ORDER BY job_name, job_id, status, error_code"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { row in
                RunCount(
                    jobId: JobID(row["job_id"] as String), jobName: row["job_name"],
                    status: RunStatus(rawValue: row["status"]) ?? .systemError, errorCode: row["error_code"], count: row["n"])
            }
        }
    }

    public func runSamples(_ query: RunSampleQuery) async throws -> [RunSample] {
        try await read { db in
            var (clauses, args) = Self.finishedWindow(since: query.finishedSince, before: query.finishedBefore)
            if let jobId = query.jobId {
                clauses.append("job_id = ?")
                args.append(jobId.rawValue)
            }
            if let statuses = query.statuses, !statuses.isEmpty {
                clauses.append("status IN (\(Self.placeholders(statuses.count)))")
                args.append(contentsOf: statuses.map(\.rawValue))
            }
            let columns = "id, job_id, job_name, status, scheduled_for, not_before, started_at, finished_at, exit_code, error_code"
            let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let sql: String
            if let perJob = query.limitPerJob {
                sql = """
                    SELECT \(columns) FROM (
                        SELECT \(columns), ROW_NUMBER() OVER (PARTITION BY job_id ORDER BY id DESC) AS rank
                        FROM runs\(filter))
                    WHERE rank <= ? ORDER BY id DESC
                    """
                args.append(perJob)
            } else {
                sql = "SELECT \(columns) FROM runs\(filter) ORDER BY id DESC"
            }
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { row in
                RunSample(
                    id: RunID(row["id"] as String), jobId: JobID(row["job_id"] as String), jobName: row["job_name"],
                    status: RunStatus(rawValue: row["status"]) ?? .systemError,
                    scheduledFor: date(ms: row["scheduled_for"] as Int64), notBefore: date(ms: row["not_before"] as Int64),
                    startedAt: dateOpt(ms: row["started_at"] as Int64?), finishedAt: dateOpt(ms: row["finished_at"] as Int64?),
                    exitCode: (row["exit_code"] as Int64?).map { Int32(truncatingIfNeeded: $0) }, errorCode: row["error_code"])
            }
        }
    }

    public func deliveryCounts(_ query: DeliveryCountQuery) async throws -> [DeliveryCount] {
        try await read { db in
            var clauses: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if let before = query.createdBefore {
                clauses.append("created_at < ?")
                args.append(ms(before))
            }
            if let since = query.updatedSince {
                clauses.append("updated_at >= ?")
                args.append(ms(since))
            }
            var sql = "SELECT channel, status, count(*) AS n, MIN(created_at) AS oldest FROM deliveries"
            if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
            sql += " GROUP BY channel, status ORDER BY channel, status"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).compactMap { row in
                guard let channel = DeliveryChannel(rawValue: row["channel"]), let status = DeliveryStatus(rawValue: row["status"]) else {
                    return nil
                }
                return DeliveryCount(channel: channel, status: status, count: row["n"], oldestCreatedAt: date(ms: row["oldest"] as Int64))
            }
        }
    }

    /// The clauses of a window on `finished_at` (served by the `runs_finished` index).
    private static func finishedWindow(since: Date?, before: Date?) -> ([String], [any DatabaseValueConvertible]) {
        var clauses: [String] = []
        var args: [any DatabaseValueConvertible] = []
        if let since {
            clauses.append("finished_at >= ?")
            args.append(ms(since))
        }
        if let before {
            clauses.append("finished_at < ?")
            args.append(ms(before))
        }
        if before != nil && since == nil { clauses.append("finished_at IS NOT NULL") }
        return (clauses, args)
    }
}
