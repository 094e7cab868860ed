import Foundation
import SchedulerKit

/// Human renderings of runs: the runs table shared by `runs` and `show`.
enum RunText {
    static func table(_ runs: [Run], showJob: Bool, now: Date) -> Table {
        var table = Table(
            (["RUN"] + (showJob ? ["JOB"] : []) + ["STATUS", "TRIGGER", "SCHEDULED FOR", "STARTED", "DURATION", "EXIT", "ERROR"]))
        for run in runs {
            var cells = [Table.Cell(run.id.rawValue)]
            if showJob { cells.append(Table.Cell(run.jobName)) }
            cells += [
                Table.Cell(run.status.rawValue, Style.color(for: run.status)),
                Table.Cell(run.attempt > 1 ? "\(run.trigger.rawValue) #\(run.attempt)" : run.trigger.rawValue),
                Table.Cell(RelativeTime.absolute(run.scheduledFor, now: now)),
                Table.Cell(run.startedAt.map { RelativeTime.describe($0, now: now) } ?? "-"),
                Table.Cell(run.duration.map(RelativeTime.duration) ?? "-"),
                Table.Cell(run.exitCode.map(String.init) ?? "-"),
                Table.Cell(error(run)),
            ]
            table.add(cells)
        }
        return table
    }

    /// `exit_nonzero: exited with status 2`, shortened to one line of at most 72 characters.
    static func error(_ run: Run) -> String {
        guard run.errorCode != nil || run.errorMessage != nil else { return "" }
        var text = [run.errorCode, run.errorMessage].compactMap { $0 }.joined(separator: ": ")
        text = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        if text.count > 72 { text = String(text.prefix(71)) + "…" }
        return text
    }
}

/// Human renderings of alerts: the table shared by `alerts list` and `show`.
enum AlertText {
    static func table(_ alerts: [Alert]) -> Table {
        var table = Table(["ALERT", "TYPE", "TARGET", "ON", "SECRET"])
        for alert in alerts {
            table.add(
                alert.id, alert.type.rawValue, target(alert), events(alert), Redaction.secret(alert.secret) ?? "-")
        }
        return table
    }

    static func target(_ alert: Alert) -> String {
        alert.type == .webhook ? Redaction.url(alert.target) : alert.target
    }

    /// `failure,timeout,system_error`.
    static func events(_ alert: Alert) -> String {
        [(alert.onFailure, "failure"), (alert.onTimeout, "timeout"), (alert.onSystemError, "system_error")]
            .filter(\.0).map(\.1).joined(separator: ",")
    }
}
