import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl artifacts RUN`
struct ArtifactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifacts",
        abstract: "List the artifacts a run attached.",
        discussion: """
            Names, content types, sizes and SHA-256 digests; `schedctl artifact RUN NAME` prints one. \
            Small artifacts are kept in the database, larger ones in files beside it (<db>.artifacts/). \
            Exit 3 when the run does not exist.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The run's id.", valueName: "run"))
    var runID: String

    func run() async throws {
        let artifacts = try await global.client(readOnly: true).artifacts(run: runID)
        if global.json { return JSONOutput.print(.array(artifacts.map(WireJSON.artifact))) }
        guard !artifacts.isEmpty else { return Console.line("run \(runID) has no artifacts") }
        let now = Date()
        var table = Table(["NAME", "TYPE", "SIZE", "SHA-256", "STORED", "CREATED"])
        for a in artifacts {
            let stored: String
            if case .file = a.storage { stored = "file" } else { stored = "database" }
            table.add(a.name, a.contentType, ByteCount.format(a.size), String(a.sha256.prefix(12)), stored, RelativeTime.both(a.createdAt, now: now))
        }
        Console.out(table.rendered(style: .detect(json: false)))
    }
}
