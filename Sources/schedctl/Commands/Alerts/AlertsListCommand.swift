import ArgumentParser
import SchedulerKit

/// `schedctl alerts list JOB`
struct AlertsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List a job's alerts (secrets shown as ***).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's name or id.")
    var job: String

    func run() async throws {
        let alerts = try await global.client(readOnly: true).alerts(job)
        if global.json { return JSONOutput.print(.array(alerts.map(WireJSON.alert))) }
        guard !alerts.isEmpty else {
            return Console.line("no alerts for job \(job) (add one with: schedctl alerts add \(job) --webhook URL)")
        }
        Console.out(AlertText.table(alerts).rendered(style: .detect(json: false)))
    }
}
