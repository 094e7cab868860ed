import ArgumentParser

/// `schedctl tokens add|list|rm`
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Manage the API tokens of the HTTP API and dashboard (schedctl serve, daemon --http).",
        discussion: """
            Tokens are stored as SHA-256 hashes: add prints the token once, and it cannot be shown \
            again. A viewer reads everything; an operator may also change things.
            """,
        subcommands: [TokensAddCommand.self, TokensListCommand.self, TokensRmCommand.self])

    /// Accepted here too, so `schedctl --db x tokens frob` reports the unknown subcommand, not `--db`.
    @OptionGroup(visibility: .hidden) var global: GlobalOptions
}
