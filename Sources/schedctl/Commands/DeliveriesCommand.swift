import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl deliveries [--status S] [--limit N]`
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries",
        abstract: "List the notification outbox: each alert or state webhook, its attempts and last error.",
        discussion: """
            Statuses: pending (waiting for its first or next attempt), delivered, failed (refused \
            for good by the receiver), dead (gave up after the maximum attempts). Secrets are shown \
            as ***.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Only deliveries with this status: pending, delivered, failed or dead.", valueName: "status"))
    var status: String?

    @Option(help: ArgumentHelp("At most this many deliveries.", valueName: "n"))
    var limit: Int = 50

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let status, DeliveryStatus(rawValue: status) == nil {
            throw ValidationError(
                "--status: \"\(status)\" is not a delivery status; expected one of "
                    + DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", "))
        }
    }

    func run() async throws {
        let deliveries = try await global.client(readOnly: true).deliveries(status: status.flatMap(DeliveryStatus.init(rawValue:)), limit: limit)
        if global.json { return JSONOutput.print(.array(deliveries.map(WireJSON.delivery))) }
        guard !deliveries.isEmpty else { return Console.line(status.map { "no \($0) deliveries" } ?? "no deliveries") }
        let now = Date()
        var table = Table(["DELIVERY", "EVENT", "JOB", "TARGET", "STATUS", "ATTEMPTS", "WHEN", "LAST ERROR"])
        for d in deliveries {
            let when: String
            switch d.status {
            case .delivered: when = d.deliveredAt.map { RelativeTime.describe($0, now: now) } ?? "-"
            case .pending: when = d.nextAttemptAt.map { "next " + RelativeTime.describe($0, now: now) } ?? "-"
            case .failed, .dead: when = RelativeTime.describe(d.updatedAt, now: now)
            }
            let color: Style.Color? = switch d.status {
            case .delivered: .green
            case .pending: .yellow
            case .failed, .dead: .red
            }
            table.add([
                .init(d.id), .init(d.event), .init(d.jobName ?? "-"),
                .init(d.channel == .webhook ? Redaction.url(d.target) : d.target), .init(d.status.rawValue, color),
                .init(String(d.attempts)), .init(when), .init(d.lastError ?? ""),
            ])
        }
        Console.out(table.rendered(style: .detect(json: false)))
    }
}
