import Foundation
import SchedulerKit
import Testing

/// Puts jobs and runs into states only a scheduler would reach, through the library.
enum Fixtures {
    /// Retires a job to `failed` after `errors` consecutive errors, as the scheduler would.
    static func markFailed(_ sandbox: Sandbox, id: String, errors: Int = 3) async throws {
        let store = try sandbox.store()
        defer { try? store.close() }
        try await store.modifyJob(id: JobID(id)) { job in
            job.status = .failed
            job.consecutiveErrors = errors
            job.maxConsecutiveErrors = errors
            job.nextRunAt = nil
            job.lastRunStatus = .failed
            return nil
        }
    }

    /// Marks a one-shot job `completed`, as the scheduler does after its run.
    static func markCompleted(_ sandbox: Sandbox, id: String) async throws {
        let store = try sandbox.store()
        defer { try? store.close() }
        try await store.modifyJob(id: JobID(id)) { job in
            job.status = .completed
            job.nextRunAt = nil
            return nil
        }
    }

    /// Starts the queued run `runId` and records `outcome` for it, as a worker would.
    static func finish(_ sandbox: Sandbox, runId: String, outcome: RunOutcome) async throws {
        let store = try sandbox.store()
        defer { try? store.close() }
        let claim = try await store.claimDueRuns(ClaimParams(now: Date().addingTimeInterval(1), owner: "tests/1/fixture", maxStart: 100))
        #expect(claim.started.contains { $0.run.id.rawValue == runId })
        _ = try await store.completeRun(CompleteRunParams(runId: RunID(runId), outcome: outcome, now: Date().addingTimeInterval(2)))
    }
}

/// Checks a JSON object has exactly the keys of a shape (additions allowed when listed).
func expectKeys(_ object: [String: Any], required: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let missing = Set(required).subtracting(object.keys)
    #expect(missing.isEmpty, "missing keys \(missing.sorted()) in \(object.keys.sorted())", sourceLocation: sourceLocation)
}

/// Whether a JSON value is `null`.
func isNull(_ value: Any?) -> Bool { value is NSNull }

enum Shapes {
    static let job = [
        "id", "name", "status", "schedule", "command", "timeout_seconds", "max_consecutive_errors", "consecutive_errors",
        "overlap", "next_run_at", "last_run_at", "last_run_status", "created_at", "updated_at",
    ]
    static let run = [
        "id", "job_id", "job_name", "status", "trigger", "attempt", "scheduled_for", "started_at", "finished_at",
        "exit_code", "error_type", "error_code", "error_message",
    ]
    static let alert = ["id", "job_id", "alert_type", "target", "on_failure", "on_timeout", "on_system_error", "secret", "created_at"]
    static let audit = ["id", "at", "actor", "action", "job_id", "job_name", "details"]

    /// `2026-11-23T12:00:00.000Z`
    static func isUTCMillis(_ value: Any?) -> Bool {
        guard let s = value as? String else { return false }
        return s.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression) != nil
    }
}
