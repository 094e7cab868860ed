import Foundation
import SchedulerKit

/// Reading back what the engine recorded, and `expect…` helpers that throw a
/// ``HarnessExpectationFailure`` naming what was expected and what was found.
///
/// They are plain async throwing functions, so they work the same from Swift Testing
/// (`try await harness.expectJob(...)` fails the test with the message) and from XCTest.
extension SchedulerHarness {
    // MARK: - Runs

    /// The runs of a job (name or id), oldest first, optionally only those of `status`.
    public func runs(of job: String, status: RunStatus? = nil) async throws -> [Run] {
        let runs = try await client.runs(job: job, statuses: status.map { [$0] }, limit: nil)
        return runs.sorted { ($0.scheduledFor, $0.id.rawValue) < ($1.scheduledFor, $1.id.rawValue) }
    }

    /// Expects exactly `count` runs of `job` (with `status` when given); returns them, oldest first.
    @discardableResult
    public func expectRuns(
        of job: String, status: RunStatus? = nil, count: Int, fileID: String = #fileID, line: Int = #line
    ) async throws -> [Run] {
        let runs = try await runs(of: job, status: status)
        guard runs.count == count else {
            let statuses = try await self.runs(of: job).map(\.status.rawValue)
            throw HarnessExpectationFailure(
                "expected \(count) run(s) of \(job)\(status.map { " with status \($0.rawValue)" } ?? ""), found \(runs.count); "
                    + "its runs: \(statuses)", fileID: fileID, line: line)
        }
        return runs
    }

    /// Manual runs of `job` still waiting for a worker (queued by ``SchedulerClient/runJobNow(_:)``).
    public func queuedManualRuns(of job: String) async throws -> [Run] {
        try await runs(of: job, status: .queued).filter { $0.trigger == .manual }
    }

    /// Expects exactly `count` queued manual runs of `job`; returns them.
    @discardableResult
    public func expectQueuedManualRuns(
        of job: String, count: Int, fileID: String = #fileID, line: Int = #line
    ) async throws -> [Run] {
        let queued = try await queuedManualRuns(of: job)
        guard queued.count == count else {
            throw HarnessExpectationFailure(
                "expected \(count) queued manual run(s) of \(job), found \(queued.count)", fileID: fileID, line: line)
        }
        return queued
    }

    // MARK: - Jobs

    /// The job as stored now.
    public func job(_ ref: String) async throws -> Job { try await client.job(ref) }

    /// Expects the job's status, and its failure streak when `consecutiveErrors` is given.
    @discardableResult
    public func expectJob(
        _ ref: String, status: JobStatus, consecutiveErrors: Int? = nil, fileID: String = #fileID, line: Int = #line
    ) async throws -> Job {
        let job = try await job(ref)
        var wrong: [String] = []
        if job.status != status { wrong.append("status \(job.status.rawValue), expected \(status.rawValue)") }
        if let consecutiveErrors, job.consecutiveErrors != consecutiveErrors {
            wrong.append("consecutiveErrors \(job.consecutiveErrors), expected \(consecutiveErrors)")
        }
        guard wrong.isEmpty else {
            throw HarnessExpectationFailure("job \(job.name): \(wrong.joined(separator: "; "))", fileID: fileID, line: line)
        }
        return job
    }

    // MARK: - Audit

    /// Audit entries (of `job` when given, with `action` when given), oldest first.
    public func auditEntries(job: String? = nil, action: String? = nil) async throws -> [AuditEntry] {
        let entries = try await client.audit(job: job, limit: nil)
        return entries.filter { action == nil || $0.action == action }.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
    }

    /// Expects `count` audit entries with `action` (for example `job.auto_fail`, `job.resume:force`).
    @discardableResult
    public func expectAudit(
        _ action: String, job: String? = nil, count: Int = 1, fileID: String = #fileID, line: Int = #line
    ) async throws -> [AuditEntry] {
        let entries = try await auditEntries(job: job, action: action)
        guard entries.count == count else {
            let seen = try await auditEntries(job: job).map(\.action)
            throw HarnessExpectationFailure(
                "expected \(count) audit entr\(count == 1 ? "y" : "ies") \(action)\(job.map { " of \($0)" } ?? ""), "
                    + "found \(entries.count); actions: \(seen)", fileID: fileID, line: line)
        }
        return entries
    }

    // MARK: - Notifications

    /// Expects `count` captured alerts of `job` with `event` (`run.failed`, `run.timed_out`,
    /// `run.system_error`), on `channel` when given; returns them in the order sent.
    @discardableResult
    public nonisolated func expectAlerts(
        of job: String, event: String, channel: DeliveryChannel? = nil, count: Int = 1,
        fileID: String = #fileID, line: Int = #line
    ) throws -> [CapturedNotification] {
        let alerts = notifications.alerts.filter {
            $0.jobName == job && $0.event == event && (channel == nil || $0.channel == channel)
        }
        guard alerts.count == count else {
            let seen = notifications.alerts.map { "\($0.jobName ?? "?") \($0.event) \($0.channel.rawValue)" }
            throw HarnessExpectationFailure(
                "expected \(count) \(event) alert(s) of \(job), found \(alerts.count); alerts sent: \(seen)",
                fileID: fileID, line: line)
        }
        return alerts
    }
}
