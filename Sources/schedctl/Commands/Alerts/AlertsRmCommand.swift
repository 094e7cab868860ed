import ArgumentParser
import SchedulerKit

/// `schedctl alerts rm ID`
struct AlertsRmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete an alert.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The alert's id (see schedctl alerts list JOB).", valueName: "id"))
    var id: String

    func run() async throws {
        let alert = try await global.client().deleteAlert(id)
        if global.json { return JSONOutput.print(WireJSON.alert(alert)) }
        Console.line("removed \(alert.type.rawValue) alert \(alert.id) (\(AlertText.target(alert)))")
    }
}
