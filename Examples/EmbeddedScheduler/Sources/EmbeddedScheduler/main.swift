// EmbeddedScheduler: a program with its own job handler, running SchedulerKit's scheduler beside
// whatever else it does, stopped gracefully by SIGINT/SIGTERM.
//
//   swift run --package-path Examples/EmbeddedScheduler EmbeddedScheduler [database path]
//
// It registers a "report" handler, adds a job that runs it every five seconds (once), and
// prints each run as it ends. Inspect the database with: schedctl --db PATH runs
import Foundation
import Logging
import SchedulerKit
import ServiceLifecycle

/// What a report job carries in its payload.
struct ReportRequest: Codable, Sendable {
    var recipients: [String]
    var title: String
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .notice
    return handler
}
let logger = Logger(label: "embedded")
let path = CommandLine.arguments.dropFirst().first ?? FileManager.default.temporaryDirectory
    .appendingPathComponent("embedded-scheduler.sqlite").path

let store = try SQLiteJobStore(path: path)
let scheduler = Scheduler(store: store)

// The program's own handler. Throwing fails the run (the job's fault); throwing SystemFailure
// marks it as the platform's fault, which does not count toward retiring the job.
scheduler.register("report") { context in
    let request = try context.payload(as: ReportRequest.self)
    guard !request.recipients.isEmpty else { throw SystemFailure("no recipients configured") }
    context.appendOutput("built \(request.title) for \(request.recipients.joined(separator: ", "))\n")
    await context.heartbeat()
}

if try await scheduler.client.jobs().first(where: { $0.name == "weekly-report" }) == nil {
    var spec = try JobSpec(
        name: "weekly-report", schedule: .cron("*/5 * * * * *", timeZone: "Europe/Paris"), kind: "report",
        payload: JobPayload(ReportRequest(recipients: ["team@example.com"], title: "Weekly report")))
    spec.timeout = 30
    spec.maxConsecutiveErrors = 5
    try await scheduler.client.addJob(spec)
}

// Print what happens, from the scheduler's in-process event stream.
let printer = Task {
    for await event in scheduler.events() {
        if case .runFinished(let result) = event {
            print("\(result.run.jobName): run \(result.run.id) \(result.run.status.rawValue) — \(result.run.output ?? "")", terminator: "")
        }
    }
}

print("database \(path); Ctrl-C to stop")
let group = ServiceGroup(
    configuration: .init(services: [scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
try await group.run()
printer.cancel()
