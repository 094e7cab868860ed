import ArgumentParser
import SchedulerKit


/// `schedctl tokens add NAME [--role viewer|operator]`
struct TokensAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Make an API token and print it, once.",
        discussion: "With --json: {\"name\", \"role\", \"token\"}. Store the token now: only its hash is kept.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The token's unique name: [A-Za-z0-9][A-Za-z0-9._-]{0,127}.")
    var name: String

    @Option(help: "viewer reads everything; operator may also change things.")
    var role: TokenRole = .operator

    func run() async throws {
        let issued = try await global.client().addToken(name, role: role)
        if global.json { return JSONOutput.print(WireJSON.issuedToken(issued)) }
        Console.line(issued.plaintext)
        Console.error("schedctl: added \(role.rawValue) token \(name); it is shown only now")
    }
}
