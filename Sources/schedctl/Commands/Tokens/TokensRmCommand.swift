import ArgumentParser
import SchedulerKit

/// `schedctl tokens rm NAME`
struct TokensRmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete an API token; requests carrying it are refused.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The token's name (see schedctl tokens list).")
    var name: String

    func run() async throws {
        let token = try await global.client().removeToken(name)
        if global.json { return JSONOutput.print(WireJSON.token(token)) }
        Console.line("removed \(token.role.rawValue) token \(token.name)")
    }
}
