import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl runs [JOB] [--status S] [--limit N]`
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs, newest first.",
        discussion: """
            JOB may also be the id of a deleted job, whose runs stay as history. --status takes one \
            or more of queued, running, succeeded, failed, timed_out, system_error, cancelled, \
            skipped, separated by commas (failed,system_error for every run that ended in error).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Only runs of this job (name or id).")
    var job: String?

    @Option(help: ArgumentHelp("Only runs with this status (comma-separated list).", valueName: "status"))
    var status: String?

    @Option(help: ArgumentHelp("At most this many runs.", valueName: "n"))
    var limit: Int = 50

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let status { _ = try ChoiceList.runStatuses(status) }
    }

    func run() async throws {
        let statuses = try status.map(ChoiceList.runStatuses)
        let runs = try await global.client(readOnly: true).runs(job: job, statuses: statuses, limit: limit)
        if global.json { return JSONOutput.print(.array(runs.map(WireJSON.run))) }
        guard !runs.isEmpty else {
            return Console.line(job.map { "no runs of job \($0)" + (status.map { " with status \($0)" } ?? "") } ?? "no runs")
        }
        Console.out(RunText.table(runs, showJob: job == nil, now: Date()).rendered(style: .detect(json: false)))
    }
}
