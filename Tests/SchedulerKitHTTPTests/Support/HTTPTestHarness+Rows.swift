import Foundation
import GRDB
import SchedulerKit

extension HTTPTestHarness {
    /// Writes a finished (or queued/running) run of `job` straight into the file, as another
    /// process's scheduler would, and returns its id.
    @discardableResult
    func insertRun(
        _ job: Job, status: RunStatus, at date: Date = Date(), errorCode: String? = nil, output: String? = nil
    ) throws -> RunID {
        let id = RunID.generate(at: date)
        let ms = Int64(date.timeIntervalSince1970 * 1000)
        let errorType: String? =
            switch status {
            case .failed, .timedOut: "user"
            case .systemError: "system"
            default: nil
            }
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (id, job_id, job_name, trigger, scheduled_for, attempt, status, queued_at, not_before,
                                      started_at, finished_at, exit_code, error_type, error_code, error_message, output)
                    VALUES (?, ?, ?, 'schedule', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    id.rawValue, job.id.rawValue, job.name, ms, status.rawValue, ms, ms, status == .queued ? nil : ms,
                    status.isTerminal ? ms + 5 : nil, status == .failed ? 2 : nil, errorType,
                    errorCode ?? (errorType == nil ? nil : status == .systemError ? "lost" : "exit_nonzero"),
                    errorType == nil ? nil : "it went wrong", output,
                ])
        }
        return id
    }

    /// Ends a run behind the API's back, as a scheduler in another process would.
    func finishRun(_ id: RunID, status: RunStatus) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.write { db in
            try db.execute(
                sql: "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                arguments: [status.rawValue, Int64(Date().timeIntervalSince1970 * 1000), id.rawValue])
        }
    }

    /// Writes an outbox row with `status` and returns its id.
    @discardableResult
    func insertDelivery(status: DeliveryStatus, job: Job? = nil) throws -> String {
        let id = ULID.generate(at: Date())
        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO deliveries (id, job_id, job_name, channel, event, target, payload, status, attempts,
                                            next_attempt_at, last_error, created_at, updated_at)
                    VALUES (?, ?, ?, 'webhook', 'run.failed', 'https://hooks.example/x', '{}', ?, 8, NULL, 'HTTP 500', ?, ?)
                    """,
                arguments: [id, job?.id.rawValue, job?.name, status.rawValue, ms, ms])
        }
        return id
    }
}
