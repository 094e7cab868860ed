import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl resume JOB [--force]`
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused job; with --force, also revive a job retired to failed.",
        discussion: """
            Without --force only a paused job is accepted. --force also accepts a failed job: its \
            error streak is cleared and its next run is computed from now. A completed one-shot job \
            cannot be resumed. A refusal exits 1.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's name or id.")
    var job: String

    @Flag(help: "Also revive a job retired to failed, clearing its error streak.")
    var force = false

    func run() async throws {
        let client = try await global.client()
        let before = try await client.job(self.job)
        let job = try await client.resumeJob(before.id.rawValue, force: force)
        if global.json { return JSONOutput.print(WireJSON.job(job)) }
        var line = before.status == .failed
            ? "revived job \(job.name) (cleared \(before.consecutiveErrors) consecutive errors)"
            : "resumed job \(job.name)"
        if let next = job.nextRunAt {
            line += " — next run \(RelativeTime.describe(next, now: Date())) (\(ISO8601.string(next, milliseconds: false)))"
        }
        Console.line(line)
    }
}
