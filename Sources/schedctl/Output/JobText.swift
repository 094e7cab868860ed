import Foundation
import SchedulerKit

/// Human renderings of job fields shared by several commands.
enum JobText {
    /// The argv and environment of a `shell` job; nil for other kinds.
    static func shellPayload(_ job: Job) -> ShellPayload? {
        guard job.kind == ShellPayload.kind else { return nil }
        return try? job.payload.decode(ShellPayload.self)
    }

    /// `*/15 * * * *`, `0 3 * * * (Europe/Paris)`, `every 15m`, `at 2026-11-23T09:30:00Z`.
    static func schedule(_ schedule: Schedule) -> String {
        switch schedule {
        case .cron(let e, let z): z.scheduleName == "UTC" ? e.text : "\(e.text) (\(z.scheduleName))"
        case .every(let s, _): "every \(DurationText.format(seconds: s))"
        case .at(let d): "at \(ISO8601.string(d, milliseconds: false))"
        }
    }

    /// The CLI spelling of a misfire policy: `run-once` or `skip`.
    static func misfire(_ policy: MisfirePolicy) -> String { WireJSON.misfire(policy) }

    /// An argv as a shell would need it typed: `backup --dir '/srv/my files'`.
    static func commandLine(_ argv: [String]) -> String {
        argv.map(shellQuoted).joined(separator: " ")
    }

    static func shellQuoted(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { c in
            CharacterSet.alphanumerics.contains(c) && c.isASCII || "-_./:=@%+,".unicodeScalars.contains(c)
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `succeeded 2h ago`, or `-` when the job never ran.
    static func lastRun(_ job: Job, now: Date) -> String {
        guard let status = job.lastRunStatus else { return "-" }
        guard let at = job.lastRunAt else { return status.rawValue }
        return "\(status.rawValue) \(RelativeTime.describe(at, now: now))"
    }

    /// The next run, relative and absolute (`in 4m (09:30:00Z)`), or `-` when not scheduled.
    static func nextRun(_ job: Job, now: Date) -> String {
        RelativeTime.both(job.nextRunAt, now: now)
    }
}
