import ArgumentParser
import SchedulerKit

/// `schedctl alerts add JOB (--webhook URL [--secret S] | --email ADDR) [--on failure,timeout,system_error]`
struct AlertsAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a webhook or email alert to a job.",
        discussion: """
            A webhook with --secret is signed: X-SchedulerKit-Signature: t=<unix>,v1=<hex HMAC-SHA256>. \
            --on takes one or more of failure, timeout, system_error separated by commas (default all).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The job's name or id.")
    var job: String

    @Option(help: ArgumentHelp("POST a JSON notification to this http(s) URL.", valueName: "url"))
    var webhook: String?
    @Option(help: ArgumentHelp("Sign webhook requests with this secret (never printed).", valueName: "secret"))
    var secret: String?
    @Option(help: ArgumentHelp("Send a plain-text email to this address.", valueName: "addr"))
    var email: String?
    @Option(help: ArgumentHelp("Which run endings fire the alert.", valueName: "events"))
    var on: String?

    func validate() throws {
        if (webhook == nil) == (email == nil) { throw ValidationError("give exactly one of --webhook URL or --email ADDR") }
        if secret != nil && webhook == nil { throw ValidationError("--secret applies to --webhook only") }
        _ = try events()
    }

    func run() async throws {
        let (onFailure, onTimeout, onSystemError) = try events()
        let spec: AlertSpec
        if let webhook {
            try TargetValidation.validateWebhookURL(webhook, field: "webhook")
            spec = AlertSpec(
                type: .webhook, target: webhook, onFailure: onFailure, onTimeout: onTimeout, onSystemError: onSystemError,
                secret: secret)
        } else {
            let email = email ?? ""
            try TargetValidation.validateEmail(email)
            spec = AlertSpec(type: .email, target: email, onFailure: onFailure, onTimeout: onTimeout, onSystemError: onSystemError)
        }
        let client = try await global.client()
        let alert = try await client.addAlert(job, spec)
        if global.json { return JSONOutput.print(WireJSON.alert(alert)) }
        let name = try await client.job(alert.jobId.rawValue).name
        Console.line(
            "added \(alert.type.rawValue) alert \(alert.id) to job \(name): \(AlertText.target(alert)) on \(AlertText.events(alert))"
                + (alert.secret == nil ? "" : ", signed"))
    }

    private func events() throws -> (Bool, Bool, Bool) {
        guard let on else { return (true, true, true) }
        let items = ChoiceList.items(on)
        if items.isEmpty { throw ValidationError("--on: expected one or more of failure, timeout, system_error") }
        for item in items where !["failure", "timeout", "system_error"].contains(item) {
            throw ValidationError("--on: \"\(item)\" is not a run ending; expected failure, timeout or system_error, separated by commas")
        }
        return (items.contains("failure"), items.contains("timeout"), items.contains("system_error"))
    }
}
