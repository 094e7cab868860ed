import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl pause JOB`
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop scheduling an active job until it is resumed.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's name or id.")
    var job: String

    func run() async throws {
        let job = try await global.client().pauseJob(self.job)
        if global.json { return JSONOutput.print(WireJSON.job(job)) }
        Console.line("paused job \(job.name) (resume it with: schedctl resume \(job.name))")
    }
}
