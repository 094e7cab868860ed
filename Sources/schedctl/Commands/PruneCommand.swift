import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl prune [--older-than DUR] [--keep N]`
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete history past retention now, and give the space back.",
        discussion: """
            Deletes finished runs older than --older-than (default 30d) or beyond the newest --keep \
            (default 1000) of their job, with their artifacts and artifact files; delivered, failed \
            and dead deliveries and audit entries older than --older-than. Queued and running runs and \
            pending deliveries are never deleted. Works in small batches, so a daemon on the same \
            database keeps running jobs on time meanwhile. The daemon prunes with the defaults every hour.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Delete history older than this (default 30d).", valueName: "duration"))
    var olderThan: String?

    @Option(help: ArgumentHelp("Finished runs kept per job, newest first.", valueName: "n"))
    var keep: Int = 1_000

    func validate() throws {
        if keep < 0 { throw ValidationError("--keep must be at least 0") }
    }

    func run() async throws {
        var retention = Pruner.Configuration()
        if let olderThan {
            retention.maxAge = Double(try parseDuration(olderThan, field: "older-than", allowZero: true))
        }
        retention.keepPerJob = keep
        let report = try await global.client().prune(retention)
        if global.json { return JSONOutput.print(WireJSON.prune(report, olderThan: retention.maxAge, keep: keep)) }
        let age = DurationText.format(seconds: Int64(retention.maxAge ?? 0))
        var table = Table(["", ""])
        table.add("runs", "\(report.runs) (\(report.runsByAge) older than \(age), \(report.runsByCount) beyond the newest \(keep) of their job)")
        table.add("artifacts", "\(report.artifacts) (\(report.artifactFiles) file\(report.artifactFiles == 1 ? "" : "s") removed)")
        table.add("deliveries", "\(report.deliveries)")
        table.add("audit entries", "\(report.auditEntries)")
        table.add(
            "database",
            "\(ByteCount.format(report.bytesBefore)) → \(ByteCount.format(report.bytesAfter)) (\(report.pagesReclaimed) page\(report.pagesReclaimed == 1 ? "" : "s") reclaimed)")
        Console.line("pruned:")
        Console.out(table.rendered(style: .detect(json: false), header: false).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n")
    }
}
