import ArgumentParser
import Foundation
import Logging
import SchedulerKit

/// `schedctl demo`: a narrated tour on a temporary database.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A short tour on a temporary database: a job running, one failing until it is retired, and resume --force bringing it back.",
        discussion: "Takes about ten seconds. With --keep the database is left behind so you can explore it with schedctl --db PATH.")

    @Option(help: ArgumentHelp("Use this database file instead of a temporary one.", valueName: "path"))
    var db: String?

    @Flag(help: "Keep the temporary database and print its path.")
    var keep = false

    func run() async throws {
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedctl-demo-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = db ?? directory.appendingPathComponent("demo.sqlite").path
        defer { if !keep && db == nil { try? FileManager.default.removeItem(at: directory) } }
        let style = Style.detect(json: false)
        func say(_ text: String) { Console.line(text) }
        func step(_ n: Int, _ text: String) { say("\n" + style.paint("\(n). \(text)", .bold)) }

        say(style.paint("schedctl demo", .bold) + " — SchedulerKit \(SchedulerKitVersion.string), database \(path)")
        var storeConfiguration = SQLiteJobStore.Configuration()
        storeConfiguration.outbox = DatabaseLocation.outbox
        let store = try SQLiteJobStore(path: path, configuration: storeConfiguration)
        var configuration = Scheduler.Configuration()
        configuration.concurrency = 4
        configuration.shutdownGrace = 5
        let scheduler = Scheduler(store: store, configuration: configuration)
        let client = SchedulerClient(store: store, actor: "cli:demo")

        step(1, "Add two shell jobs, each due every second")
        let hello = try JobSpec(name: "hello", schedule: .every(seconds: 1, anchor: Date()), command: ["echo", "hello from SchedulerKit"])
        var flaky = try JobSpec(
            name: "flaky", schedule: .every(seconds: 1, anchor: Date()),
            command: ["sh", "-c", "echo 'cannot reach the backup server' >&2; exit 2"])
        flaky.maxConsecutiveErrors = 3
        try await client.addJob(hello)
        try await client.addJob(flaky)
        say("   $ schedctl add hello --every 1s -- echo 'hello from SchedulerKit'")
        say("   $ schedctl add flaky --every 1s --max-errors 3 -- sh -c \"echo 'cannot reach the backup server' >&2; exit 2\"")

        step(2, "Start the scheduler and watch the runs")
        let events = scheduler.events()
        let engine = Task { try await scheduler.run() }
        var helloRuns = 0
        var revived = false
        let deadline = Date().addingTimeInterval(30)
        var iterator = events.makeAsyncIterator()
        outer: while Date() < deadline, let event = await iterator.next() {
            switch event {
            case .runFinished(let result):
                let run = result.run
                let mark = style.paint(run.status == .succeeded ? "✔" : "✘", Style.color(for: run.status))
                var line = "   \(mark) \(run.jobName.padding(toLength: 6, withPad: " ", startingAt: 0)) \(run.status.rawValue)"
                if let code = run.exitCode { line += " (exit \(code))" }
                if let out = run.output?.trimmingCharacters(in: .whitespacesAndNewlines), !out.isEmpty { line += "  \"\(out)\"" }
                if run.jobName == "flaky", let job = result.job, run.status.isFailure {
                    line += "  streak \(job.consecutiveErrors)/\(job.maxConsecutiveErrors)"
                }
                if run.jobName == "hello" {
                    helloRuns += 1
                    if helloRuns > 2 && !revived { continue }  // enough hellos while flaky fails
                }
                say(line)
                if revived && run.jobName == "flaky" && run.status == .succeeded { break outer }
            case .jobRetired(let job):
                say("   " + style.paint("⏹ \(job.name) retired to failed after \(job.consecutiveErrors) consecutive errors; it no longer runs", .yellow))
                step(3, "A plain resume is refused: the job is failed, not paused")
                say("   $ schedctl resume flaky")
                do {
                    try await client.resumeJob("flaky")
                } catch let error as SchedulerError {
                    say("   schedctl: \(error.description)   → exit 1")
                }
                step(4, "Fix the command, then revive it with resume --force")
                try await client.updateJob("flaky", {
                    var u = JobUpdate()
                    u.payload = try JobPayload(ShellPayload(command: ["sh", "-c", "echo 'backup server reachable again'"]))
                    return u
                }())
                say("   $ schedctl resume flaky --force")
                let job = try await client.resumeJob("flaky", force: true)
                say("   flaky is \(job.status.rawValue) again, streak cleared (\(job.consecutiveErrors)), next run \(ISO8601.string(job.nextRunAt!))")
                revived = true
            default:
                break
            }
        }
        scheduler.shutdown()
        _ = try await engine.value

        step(5, "What the database recorded")
        let runs = try await client.runs(limit: nil)
        let counts = Dictionary(grouping: runs, by: { "\($0.jobName) \($0.status.rawValue)" }).mapValues(\.count)
        for key in counts.keys.sorted() { say("   \(key): \(counts[key]!)") }
        let audit = try await client.audit(job: "flaky")
        say("   audit of flaky: " + audit.reversed().map(\.action).joined(separator: " → "))
        try? store.close()
        if keep || db != nil {
            say("\nExplore it: schedctl --db \(path) list   (or runs, show flaky, audit)")
        }
    }
}
