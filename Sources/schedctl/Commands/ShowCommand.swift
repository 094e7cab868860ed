import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl show JOB`
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one job with its recent runs and alerts.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's name or id.")
    var job: String

    @Option(help: ArgumentHelp("How many recent runs to show.", valueName: "n"))
    var runs: Int = 10

    func validate() throws {
        if runs < 0 { throw ValidationError("--runs must not be negative") }
    }

    func run() async throws {
        let client = try await global.client(readOnly: true)
        let job = try await client.job(self.job)
        let runs = runs == 0 ? [] : try await client.runs(job: job.id.rawValue, limit: runs)
        let alerts = try await client.alerts(job.id.rawValue)
        if global.json {
            let object = (WireJSON.job(job).objectMembers ?? []) + [
                ("runs", .array(runs.map(WireJSON.run))), ("alerts", .array(alerts.map(WireJSON.alert))),
            ]
            return JSONOutput.print(.object(object))
        }
        let style = Style.detect(json: false)
        let now = Date()
        var fields: [(String, String)] = [
            ("name", style.paint(job.name, .bold)),
            ("id", job.id.rawValue),
            ("status", style.paint(job.status.rawValue, Style.color(for: job.status))),
            ("schedule", JobText.schedule(job.schedule)),
        ]
        if let shell = JobText.shellPayload(job) {
            fields.append(("command", JobText.commandLine(shell.command)))
            if let env = shell.environment, !env.isEmpty {
                fields.append(("env", env.keys.sorted().joined(separator: ", ") + " (values hidden)"))
            }
            if let dir = shell.workingDirectory { fields.append(("directory", dir)) }
        } else {
            fields.append(("kind", job.kind))
        }
        fields += [
            ("next run", JobText.nextRun(job, now: now)),
            ("last run", job.lastRunAt.map {
                "\(style.paint(job.lastRunStatus?.rawValue ?? "?", job.lastRunStatus.flatMap(Style.color(for:)))) \(RelativeTime.both($0, now: now))"
            } ?? "-"),
            ("errors", "\(job.consecutiveErrors) in a row (retired to failed at \(job.maxConsecutiveErrors))"),
            ("timeout", job.timeout.map { DurationText.format(seconds: Int64($0.rounded())) } ?? "-"),
            ("overlap", job.overlap.rawValue),
            ("misfire", JobText.misfire(job.misfire)),
            ("jitter", job.jitter.map { DurationText.format(seconds: Int64($0.rounded())) } ?? "-"),
            ("retry", job.retry.map { "up to \($0.maxAttempts - 1) more attempts, first after \(DurationText.format(seconds: Int64($0.initialDelay.rounded())))" } ?? "-"),
        ]
        if let hook = job.stateWebhookURL {
            fields.append(("state webhook", Redaction.url(hook) + (job.stateWebhookSecret == nil ? "" : ", signed (secret ***)")))
        }
        if case .at = job.schedule { fields.append(("after its run", job.deleteAfterRun ? "deleted" : "kept as completed")) }
        fields += [
            ("created", RelativeTime.both(job.createdAt, now: now)),
            ("updated", RelativeTime.both(job.updatedAt, now: now)),
        ]
        let width = fields.map(\.0.count).max() ?? 0
        var out = ""
        for (key, value) in fields {
            out += key + ":" + String(repeating: " ", count: width - key.count + 2) + value + "\n"
        }
        out += "\n" + style.paint("Recent runs", .bold) + "\n"
        out += runs.isEmpty ? "no runs yet\n" : RunText.table(runs, showJob: false, now: now).rendered(style: style)
        out += "\n" + style.paint("Alerts", .bold) + "\n"
        out += alerts.isEmpty ? "no alerts (add one with: schedctl alerts add \(job.name) --webhook URL)\n" : AlertText.table(alerts).rendered(style: style)
        Console.out(out)
    }
}
