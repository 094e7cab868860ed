import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl report JOB [--hours N]`
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Show how a job fared: runs by status, error and exit codes, durations, latest failures.",
        discussion: """
            Covers the runs that finished in the last --hours (default 24). JOB may also be the id \
            of a deleted job whose runs remain. Durations are nearest-rank percentiles of the runs \
            that started. The success rate is succeeded / (succeeded + failed + timed_out + \
            system_error); skipped and cancelled runs do not count.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's name or id.")
    var job: String

    @Option(help: ArgumentHelp("The window, in hours before now (decimals allowed).", valueName: "n"))
    var hours: Double = 24

    @Option(help: ArgumentHelp("How many of the latest failures to show.", valueName: "n"))
    var failures: Int = 5

    func validate() throws {
        if !(hours > 0) || !hours.isFinite { throw ValidationError("--hours must be a positive number") }
        if failures < 0 { throw ValidationError("--failures must not be negative") }
    }

    func run() async throws {
        let report = try await global.client(readOnly: true).report(job: job, window: hours * 3600, failures: failures)
        if global.json { return JSONOutput.print(WireJSON.report(report, hours: hours)) }
        Console.out(Self.text(report, hours: hours, style: .detect(json: false), now: Date()))
    }

    static func text(_ r: FailureReport, hours: Double, style: Style, now: Date) -> String {
        let hoursText = hours == hours.rounded() ? String(Int(hours)) : String(hours)
        var out = style.paint("Job \(r.jobName)", .bold)
        if let job = r.job {
            out += " (\(job.status.rawValue), \(job.consecutiveErrors) consecutive error(s) of \(job.maxConsecutiveErrors))"
        } else {
            out += " (deleted)"
        }
        out += " — last \(hoursText)h, \(ISO8601.string(r.from, milliseconds: false)) to \(ISO8601.string(r.to, milliseconds: false))\n"
        var fields: [(String, String)] = []
        let byStatus = RunStatus.terminal.compactMap { s in r.counts[s].map { "\(s.rawValue) \($0)" } }
        fields.append(("runs", r.total == 0 ? "none finished" : "\(r.total): " + byStatus.joined(separator: ", ")))
        fields.append(("success rate", r.successRate.map { String(format: "%.1f%%", $0 * 100) } ?? "-"))
        if r.durationSamples > 0, let p50 = r.durationP50, let p95 = r.durationP95, let max = r.durationMax {
            fields.append((
                "duration",
                "p50 \(RelativeTime.duration(p50)), p95 \(RelativeTime.duration(p95)), max \(RelativeTime.duration(max)) "
                    + "(\(r.durationSamples) run(s))"))
        } else {
            fields.append(("duration", "-"))
        }
        fields.append(("error codes", counted(r.errorCodes.map { ($0.key, $0.value) })))
        fields.append(("exit codes", counted(r.exitCodes.map { (String($0.key), $0.value) })))
        fields.append(("in progress", "\(r.queued) queued, \(r.running) running"))
        let width = fields.map(\.0.count).max() ?? 0
        for (key, value) in fields {
            out += key + ":" + String(repeating: " ", count: width - key.count + 2) + value + "\n"
        }
        out += "\n" + style.paint("Latest failures", .bold) + "\n"
        if r.lastFailures.isEmpty {
            out += "no failures in the window\n"
        }
        for run in r.lastFailures {
            let when = run.finishedAt.map { RelativeTime.both($0, now: now) } ?? "-"
            out += "\(run.id)  \(style.paint(run.status.rawValue, Style.color(for: run.status)))  \(when)  \(RunText.error(run))\n"
            if let tail = FailureReport.outputTail(run.output, lines: 10) {
                for line in tail.split(separator: "\n", omittingEmptySubsequences: false).dropLast(tail.hasSuffix("\n") ? 1 : 0) {
                    out += "    | \(line)\n"
                }
            }
        }
        return out
    }

    /// `exit_nonzero ×6, timeout ×1`, most frequent first; `-` when empty.
    private static func counted(_ pairs: [(String, Int)]) -> String {
        guard !pairs.isEmpty else { return "-" }
        return pairs.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map { "\($0.0) ×\($0.1)" }.joined(separator: ", ")
    }
}
