// EmbeddedScheduler: a program with its own job handler, running SchedulerKit's scheduler beside
// whatever else it does, stopped gracefully by SIGINT/SIGTERM.
//
//   swift run --package-path Examples/EmbeddedScheduler EmbeddedScheduler [database path]
//   swift test --package-path Examples/EmbeddedScheduler     # its tests, with SchedulerKitTesting
//
// It registers the "report" handler (Sources/ReportJobs), adds a job that runs it every five
// seconds (once), and prints each run as it ends. Inspect the database with:
// schedctl --db PATH runs
import Foundation
import Logging
import ReportJobs
import SchedulerKit
import ServiceLifecycle

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
scheduler.register(ReportJob.kind, handler: ReportJob.handler)

if try await scheduler.client.jobs().first(where: { $0.name == "weekly-report" }) == nil {
    try await scheduler.client.addJob(ReportJob.spec(
        schedule: .cron("*/5 * * * * *", timeZone: "Europe/Paris"),
        request: ReportRequest(recipients: ["team@example.com"], title: "Weekly report")))
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
