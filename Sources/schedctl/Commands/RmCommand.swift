import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl rm JOB`
struct RmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Delete a job and its alerts; its finished runs stay as history.",
        discussion: "Queued runs of the job are cancelled and running ones are asked to stop.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's name or id.")
    var job: String

    func run() async throws {
        let job = try await global.client().deleteJob(self.job)
        if global.json { return JSONOutput.print(WireJSON.job(job)) }
        Console.line("removed job \(job.name) (\(job.id)); its run history stays (schedctl runs \(job.id))")
    }
}
