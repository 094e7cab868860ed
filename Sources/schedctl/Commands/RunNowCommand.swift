import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl run-now JOB`
struct RunNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-now",
        abstract: "Queue a manual run of an active job; its schedule does not move.",
        discussion: "A running scheduler (schedctl daemon, or a program using SchedulerKit) starts it as soon as a worker is free.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's name or id.")
    var job: String

    func run() async throws {
        let run = try await global.client().runJobNow(self.job)
        if global.json { return JSONOutput.print(WireJSON.run(run)) }
        Console.line("queued run \(run.id) of job \(run.jobName) (see it with: schedctl logs \(run.id))")
    }
}
