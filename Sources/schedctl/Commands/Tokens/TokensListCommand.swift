import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl tokens list`
struct TokensListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the API tokens (names and roles; the tokens themselves are never shown).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let tokens = try await global.client().tokens()
        if global.json { return JSONOutput.print(.array(tokens.map(WireJSON.token))) }
        guard !tokens.isEmpty else { return Console.line("no API tokens (add one with: schedctl tokens add NAME)") }
        let now = Date()
        var table = Table(["NAME", "ROLE", "CREATED", "LAST USED"])
        for t in tokens {
            table.add(t.name, t.role.rawValue, RelativeTime.describe(t.createdAt, now: now), t.lastUsedAt.map { RelativeTime.describe($0, now: now) } ?? "never")
        }
        Console.out(table.rendered(style: .detect(json: false)))
    }
}
