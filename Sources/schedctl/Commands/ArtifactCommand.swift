import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl artifact RUN NAME`
struct ArtifactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifact",
        abstract: "Write one artifact of a run to stdout, byte for byte.",
        discussion: """
            stdout carries the artifact's bytes exactly and nothing else (redirect it to a file). The \
            bytes are checked against their SHA-256 first. With --json: the artifact's metadata with \
            its bytes in "content_base64". Exit 3 when the run or the artifact does not exist, 74 when \
            its file is missing or corrupt.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The run's id.", valueName: "run"))
    var runID: String

    @Argument(help: ArgumentHelp("The artifact's name (see schedctl artifacts RUN).", valueName: "name"))
    var name: String

    func run() async throws {
        let artifact = try await global.client(readOnly: true).artifact(run: runID, name: name)
        let data = artifact.data ?? Data()
        if global.json {
            let object = (WireJSON.artifact(artifact).objectMembers ?? []) + [("content_base64", .string(data.base64EncodedString()))]
            return JSONOutput.print(.object(object))
        }
        Console.out(data)
    }
}
