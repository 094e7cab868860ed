import ArgumentParser
import SchedulerKit

/// `schedctl export [--format yaml|json]`
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print every shell job and its alerts as one YAML or JSON document for apply.",
        discussion: """
            The document is what schedctl apply reads: schedctl --db a.sqlite export | schedctl --db b.sqlite \
            apply -f - copies the jobs. Secrets are never printed: a signed alert names an environment \
            variable (secret_env) that apply reads. What the document cannot carry (jobs of other kinds, \
            completed one-shots, a job's environment) is left out with a note on stderr. \
            --json is the same as --format json. See Docs/Declarative.md.
            """)

    /// The text forms of the document.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case yaml
        case json
    }

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("yaml (the default) or json.", valueName: "format"))
    var format: Format?

    func validate() throws {
        if global.json, format == .yaml { throw ValidationError("--json prints JSON; it cannot be combined with --format yaml") }
    }

    func run() async throws {
        let export = try await global.client(readOnly: true).export()
        let json = global.json || format == .json
        Console.out(try export.document.text(json ? .json : .yaml))
        for note in export.notes { Console.error("schedctl: note: \(note)") }
    }
}
