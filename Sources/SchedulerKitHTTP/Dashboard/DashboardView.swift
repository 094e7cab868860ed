import Foundation
import SchedulerKit

/// Turns domain values into the plain dictionaries the templates read: labels, badges, times.
enum DashboardView {
    /// The badge text of a run status: every badge carries its words, not only a colour.
    static func label(_ status: RunStatus) -> String {
        switch status {
        case .queued: "Queued"
        case .running: "Running"
        case .succeeded: "Succeeded"
        case .failed: "Failed"
        case .timedOut: "Timed Out"
        case .systemError: "System Error"
        case .cancelled: "Cancelled"
        case .skipped: "Skipped"
        }
    }

    static func label(_ status: JobStatus) -> String {
        switch status {
        case .active: "Active"
        case .paused: "Paused"
        case .failed: "Failed"
        case .completed: "Completed"
        }
    }

    static func badge(_ status: RunStatus) -> [String: Any] {
        ["label": label(status), "css": "run-\(status.rawValue)", "value": status.rawValue]
    }

    static func badge(_ status: JobStatus) -> [String: Any] {
        ["label": label(status), "css": "job-\(status.rawValue)", "value": status.rawValue]
    }

    /// `2026-12-02 17:00:05 UTC`.
    static func absolute(_ date: Date?) -> String {
        guard let date else { return "—" }
        return ISO8601.string(date, milliseconds: false).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// `in 5m`, `3h ago`, `now`.
    static func relative(_ date: Date?, now: Date) -> String {
        guard let date else { return "—" }
        let delta = date.timeIntervalSince(now)
        let s = Int(abs(delta).rounded())
        let text =
            if s < 1 { "now" }
            else if s < 60 { "\(s)s" }
            else if s < 3600 { "\(s / 60)m" }
            else if s < 86400 { "\(s / 3600)h \(s % 3600 / 60)m" }
            else { "\(s / 86400)d \(s % 86400 / 3600)h" }
        if text == "now" { return text }
        return delta >= 0 ? "in \(text)" : "\(text) ago"
    }

    static func job(_ job: Job, now: Date) -> [String: Any] {
        var row: [String: Any] = [
            "id": job.id.rawValue, "name": job.name, "path": path(job.name),
            "status": badge(job.status), "schedule": job.schedule.summary,
            "next_relative": relative(job.nextRunAt, now: now), "next_absolute": absolute(job.nextRunAt),
            "last_relative": relative(job.lastRunAt, now: now), "last_absolute": absolute(job.lastRunAt),
            "errors": "\(job.consecutiveErrors)/\(job.maxConsecutiveErrors)",
            "is_failed": job.status == .failed, "is_paused": job.status == .paused,
            "can_pause": job.status == .active, "can_resume": job.status == .paused,
        ]
        if let last = job.lastRunStatus { row["last_status"] = badge(last) }
        if let timeout = job.timeout { row["timeout"] = "\(timeout) s" }
        if let command = try? job.payload.decode(ShellPayload.self).command { row["command"] = command.joined(separator: " ") }
        return row
    }

    static func run(_ run: Run, now: Date) -> [String: Any] {
        var row: [String: Any] = [
            "id": run.id.rawValue, "job": run.jobName, "job_path": path(run.jobName),
            "status": badge(run.status), "trigger": run.trigger.rawValue, "attempt": run.attempt,
            "scheduled_absolute": absolute(run.scheduledFor), "scheduled_relative": relative(run.scheduledFor, now: now),
            "started_absolute": absolute(run.startedAt), "finished_absolute": absolute(run.finishedAt),
        ]
        if let d = run.duration { row["duration"] = String(format: "%.3f s", d) }
        if let code = run.exitCode { row["exit_code"] = "\(code)" }
        if let e = run.errorType { row["error_type"] = e.rawValue }
        if let c = run.errorCode { row["error_code"] = c }
        if let m = run.errorMessage { row["error_message"] = m }
        return row
    }

    /// Percent-encodes a path segment (job names are validated, but stay safe).
    static func path(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? segment
    }

    /// The status filter's options, the current one selected.
    static func runFilter(_ selected: [RunStatus]?) -> [[String: Any]] {
        [["value": "", "label": "All statuses", "selected": selected == nil]]
            + RunStatus.allCases.map { ["value": $0.rawValue, "label": label($0), "selected": selected == [$0]] }
    }
}
