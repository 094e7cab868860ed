import ArgumentParser

/// `schedctl alerts list|add|rm`
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Configure the alerts sent when a job's runs fail, time out or hit a system error.",
        subcommands: [AlertsListCommand.self, AlertsAddCommand.self, AlertsRmCommand.self])

    /// Accepted here too, so `schedctl --db x alerts frob` reports the unknown subcommand, not `--db`.
    @OptionGroup(visibility: .hidden) var global: GlobalOptions
}
