import ArgumentParser
import SchedulerKit

/// The root command: a thin shell over `SchedulerClient`.
///
/// `main()` is custom so that global options may come before the subcommand name and so that
/// every error ends as one line on stderr with the exit code of ``ExitCodes``.
@main
struct Schedctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedctl",
        abstract: "Operate SchedulerKit jobs in a local SQLite database.",
        discussion: """
            Global options --db PATH and --json go before or after the command name. The database is \
            --db, else $SCHEDCTL_DB, else $XDG_DATA_HOME/schedctl/schedctl.sqlite \
            (~/.local/share/schedctl/schedctl.sqlite).

            Environment: SCHEDCTL_DB (database path), SCHEDCTL_BUSY_TIMEOUT (seconds to wait for a \
            database locked by another process, default 5), NO_COLOR (no colour), USER (audit actor).

            Exit codes: 0 success, 1 refused by the job's state or a taken name, 3 not found, 64 usage \
            error (unknown option, missing argument, bad option combination, an option value that is not \
            a number or not one of its choices), 65 bad input data (cron, duration, time zone, time, URL, \
            name), 74 storage error, 75 database busy. Errors are one line on stderr: \
            "schedctl: <problem> (<hint>)". check exits with the health status instead: 0 OK, \
            1 WARNING, 2 CRITICAL.
            """,
        version: SchedulerKitVersion.string,
        subcommands: [
            AddCommand.self, ListCommand.self, ShowCommand.self, PauseCommand.self, ResumeCommand.self,
            RunNowCommand.self, RmCommand.self, RunsCommand.self, LogsCommand.self, NextCommand.self,
            AuditCommand.self, AlertsCommand.self, DeliveriesCommand.self, DaemonCommand.self, DemoCommand.self,
            CheckCommand.self, ReportCommand.self, MetricsCommand.self,
            ArtifactsCommand.self, ArtifactCommand.self, PruneCommand.self, ExportCommand.self, ApplyCommand.self,
        ]
    )

    static func main() async {
        let arguments = GlobalOptions.hoisted(Array(CommandLine.arguments.dropFirst()), root: Self.self)
        if arguments.globalsWithoutCommand {
            ExitCodes.fail("missing command after the global options", hint: "see schedctl --help", code: ExitCodes.usage)
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments.arguments)
        } catch {
            ExitCodes.exitParsing(error, commandPath: arguments.commandPath)
        }
        do {
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                var command = command
                try command.run()
            }
        } catch {
            ExitCodes.exit(error, commandPath: arguments.commandPath)
        }
        ExitCodes.exitSuccess()
    }
}
