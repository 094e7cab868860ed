import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl logs RUN`
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the output tail a run recorded, verbatim.",
        discussion: """
            stdout carries the output exactly as recorded and nothing else. With --json: the run \
            object with an "output" key.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The run's id.", valueName: "run"))
    var runID: String

    func run() async throws {
        let run = try await global.client(readOnly: true).run(runID)
        if global.json {
            let object = (WireJSON.run(run).objectMembers ?? []) + [("output", .string(run.output))]
            return JSONOutput.print(.object(object))
        }
        if let output = run.output, !output.isEmpty {
            Console.out(output)
        } else if Console.stderrIsTerminal {
            Console.error("(run \(run.id) of job \(run.jobName) is \(run.status.rawValue) and has no output)")
        }
    }
}
