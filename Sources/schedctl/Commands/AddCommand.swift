import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl add NAME (--cron EXPR [--tz ZONE] | --every DUR | --at TIME) [options] -- CMD [ARG…]`
struct AddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a job that runs a command on a schedule.",
        discussion: """
            The command after -- is an argv run without a shell (write sh -c '...' for one). It runs \
            with SCHEDCTL_JOB_ID, SCHEDCTL_JOB_NAME, SCHEDCTL_RUN_ID, SCHEDCTL_SCHEDULED_FOR, \
            SCHEDCTL_TRIGGER and SCHEDCTL_ATTEMPT in its environment. Durations are written 90s, 15m, \
            2h, 1d or 1h30m; times as ISO-8601 with a zone (2026-11-23T09:30:00Z or +01:00).

            Examples:
              schedctl add backup --cron '0 3 * * *' --tz Europe/Paris -- /usr/local/bin/backup --full
              schedctl add ping --every 5m --timeout 30s -- curl -fsS https://example.com/health
              schedctl add once --at 2026-11-23T09:30:00Z --delete-after-run -- sh -c 'echo hi'
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's unique name: [A-Za-z0-9][A-Za-z0-9._-]{0,127}.")
    var name: String

    @Option(help: ArgumentHelp("A cron expression (5 fields, or 6 with seconds first).", valueName: "expr"))
    var cron: String?
    @Option(help: ArgumentHelp("The cron expression's IANA time zone (default UTC); only with --cron.", valueName: "zone"))
    var tz: String?
    @Option(help: ArgumentHelp("Run every interval, counted from now.", valueName: "dur"))
    var every: String?
    @Option(help: ArgumentHelp("Run once at this time (a past time runs as soon as a scheduler runs).", valueName: "time"))
    var at: String?

    @Option(help: ArgumentHelp("Cancel a run after this long; it becomes timed_out.", valueName: "dur"))
    var timeout: String?
    @Option(name: .customLong("max-errors"), help: ArgumentHelp("Retire the job to failed after N consecutive errors (default 10).", valueName: "n"))
    var maxErrors: Int?
    @Option(help: "What a due slot does while a run is in progress.")
    var overlap: OverlapPolicy = .skip
    @Option(help: "What happens to slots missed while no scheduler ran: one catch-up run, or skip them.")
    var misfire: MisfireArgument = .runOnce
    @Option(help: ArgumentHelp("Delay each slot by a random time up to this.", valueName: "dur"))
    var jitter: String?
    @Option(help: ArgumentHelp("Try a failed slot again up to N more times.", valueName: "n"))
    var retry: Int?
    @Option(name: .customLong("retry-delay"), help: ArgumentHelp("Delay before the first retry, doubling each time up to 1h (default 10s); needs --retry.", valueName: "dur"))
    var retryDelay: String?
    @Option(name: .customLong("state-webhook"), help: ArgumentHelp("POST every run transition to this http(s) URL.", valueName: "url"))
    var stateWebhook: String?
    @Option(
        name: .customLong("state-webhook-secret"),
        help: ArgumentHelp("Sign state webhook requests with this secret, like alerts (never printed).", valueName: "secret"))
    var stateWebhookSecret: String?
    @Flag(name: .customLong("delete-after-run"), help: "With --at: delete the job after its run instead of keeping it as completed.")
    var deleteAfterRun = false
    @Option(help: ArgumentHelp("Set an environment variable for the command (repeatable).", valueName: "key=value"))
    var env: [String] = []
    @Option(help: ArgumentHelp("Run the command in this directory (relative paths are made absolute now).", valueName: "dir"))
    var cwd: String?

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "cmd"))
    var command: [String] = []

    func validate() throws {
        let schedules = [cron, every, at].compactMap { $0 }.count
        if schedules == 0 { throw ValidationError("missing schedule: give one of --cron, --every or --at") }
        if schedules > 1 { throw ValidationError("--cron, --every and --at exclude each other: give exactly one") }
        if tz != nil && cron == nil { throw ValidationError("--tz applies to --cron only") }
        if deleteAfterRun && at == nil { throw ValidationError("--delete-after-run applies to --at only") }
        if let maxErrors, maxErrors < 1 { throw ValidationError("--max-errors must be at least 1") }
        if let retry, retry < 0 { throw ValidationError("--retry must not be negative") }
        if retryDelay != nil && retry == nil { throw ValidationError("--retry-delay needs --retry N") }
        if stateWebhookSecret != nil && stateWebhook == nil { throw ValidationError("--state-webhook-secret needs --state-webhook URL") }
        if command.isEmpty || command[0].isEmpty { throw ValidationError("missing command: end with -- CMD [ARG...]") }
    }

    func run() async throws {
        let now = Date()
        var spec = try JobSpec(
            name: name, schedule: try schedule(now: now), command: command, environment: try environment(),
            workingDirectory: workingDirectory())
        spec.timeout = try timeout.map { Double(try parseDuration($0, field: "timeout")) }
        spec.maxConsecutiveErrors = maxErrors ?? Job.defaultMaxConsecutiveErrors
        spec.overlap = overlap
        spec.misfire = misfire.policy
        spec.jitter = try jitter.map { Double(try parseDuration($0, field: "jitter", allowZero: true)) }
        if let retry, retry > 0 {
            let delay = try retryDelay.map { Double(try parseDuration($0, field: "retry-delay", allowZero: true)) }
            spec.retry = RetryPolicy(maxAttempts: retry + 1, initialDelay: delay ?? 10)
        }
        spec.deleteAfterRun = deleteAfterRun
        spec.stateWebhookURL = stateWebhook
        spec.stateWebhookSecret = stateWebhookSecret
        // All input is checked before the database is opened: bad input writes nothing, not
        // even a new empty database file.
        try Job.validateName(name)
        try SchedulerClient.validate(spec)

        let job = try await global.client().addJob(spec)
        if global.json { return JSONOutput.print(JSONOutput.job(job)) }
        var line = "added job \(job.name) (\(job.id))"
        if let next = job.nextRunAt {
            line += " — next run \(RelativeTime.describe(next, now: Date())) (\(ISO8601.string(next, milliseconds: false)))"
            if next <= Date() { line += ", as soon as a scheduler runs" }
        }
        Console.line(line)
    }

    private func schedule(now: Date) throws -> Schedule {
        if let cron {
            let zone = tz ?? "UTC"
            _ = try parseTimeZone(zone)
            do {
                return try Schedule.cron(cron, timeZone: zone)
            } catch {
                throw error.message.hasPrefix("cron") ? error : SchedulerError(.invalidInput, "cron: \(error.message)", hint: error.hint)
            }
        }
        if let every {
            return .every(seconds: try parseDuration(every, field: "every"), anchor: now)
        }
        return .at(try TimeArgument.parse(at ?? "", option: "at"))
    }

    private func environment() throws -> [String: String]? {
        guard !env.isEmpty else { return nil }
        var result: [String: String] = [:]
        for item in env {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw SchedulerError(.invalidInput, "env: \"\(item)\": expected KEY=VALUE")
            }
            let key = String(item[..<eq])
            guard key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), !(key.first?.isNumber ?? true) else {
                throw SchedulerError(.invalidInput, "env: \"\(key)\": not a variable name; expected letters, digits and _")
            }
            result[key] = String(item[item.index(after: eq)...])
        }
        return result
    }

    private func workingDirectory() -> String? {
        guard let cwd else { return nil }
        if cwd.hasPrefix("/") { return cwd }
        return URL(fileURLWithPath: cwd, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }
}
