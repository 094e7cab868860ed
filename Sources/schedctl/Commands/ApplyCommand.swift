import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl apply -f FILE|- [--dry-run] [--prune]`
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Make the jobs match a YAML or JSON document (from schedctl export), by name.",
        discussion: """
            Creates the jobs that are missing, updates those that differ and leaves the others untouched; \
            with --prune, also deletes the shell jobs the document does not name. --dry-run prints the \
            plan and writes nothing. A document with any problem writes nothing: every problem is listed \
            with its job and field, and the exit code is 65. An alert's secret_env names an environment \
            variable holding its secret. JSON input is recognised by its first character ({ or [). \
            See Docs/Declarative.md.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("The document, or - for stdin.", valueName: "file"))
    var file: String

    @Flag(help: "Print the plan; write nothing.")
    var dryRun = false

    @Flag(help: "Also delete shell jobs the document does not name.")
    var prune = false

    func run() async throws {
        let source = file == "-" ? "stdin" : file
        let data = try read()
        let environment = ProcessInfo.processInfo.environment
        do {
            // The document is read before the database is opened: a bad file touches nothing.
            let document = try JobsDocument.decode(data, format: JobsDocument.sniffFormat(data), environment: environment)
            let plan = try await global.client().apply(
                document, options: ApplyOptions(dryRun: dryRun, prune: prune, environment: environment))
            if global.json {
                Console.out(plan.tree.serialized(pretty: true) + "\n")
            } else {
                PlanText.lines(plan, style: Style.detect(json: false)).forEach(Console.line)
            }
        } catch let error as JobsDocumentError {
            for problem in error.problems { Console.error("schedctl: \(source): \(problem)") }
            let n = error.problems.count
            ExitCodes.fail("\(source): \(n) problem\(n == 1 ? "" : "s"); nothing was written", code: ExitCodes.dataError)
        }
    }

    private func read() throws -> Data {
        if file == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("-f: cannot read \"\(file)\"")
        }
        return data
    }
}
