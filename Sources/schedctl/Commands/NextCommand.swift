import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl next EXPR [--tz ZONE] [--from TIME] [--count N]`
struct NextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Preview the fire times of a cron expression.",
        discussion: """
            Prints the times strictly after --from (default now), each with the zone's UTC offset at \
            that instant. The expression may be one quoted argument or its fields as separate \
            arguments. Opens no database.

            Example: schedctl next '30 2 * * *' --tz America/New_York --from 2026-03-07T12:00:00Z
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The cron expression.", valueName: "expr"))
    var expression: [String]

    @Option(help: ArgumentHelp("The IANA time zone (default UTC).", valueName: "zone"))
    var tz: String = "UTC"

    @Option(help: ArgumentHelp("Start after this ISO-8601 time (default now).", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("How many times to print (1–1000).", valueName: "n"))
    var count: Int = 5

    func validate() throws {
        if expression.isEmpty { throw ValidationError("missing expression") }
        if !(1...1000).contains(count) { throw ValidationError("--count must be between 1 and 1000") }
    }

    func run() async throws {
        let text = expression.joined(separator: " ")
        let zone = try parseTimeZone(tz)
        let start = try from.map { try TimeArgument.parse($0, option: "from") } ?? Date()
        let schedule: Schedule
        do {
            schedule = try Schedule.cron(text, timeZone: zone.identifier)
        } catch {
            throw error.message.hasPrefix("cron") ? error : SchedulerError(.invalidInput, "cron: \(error.message)", hint: error.hint)
        }
        guard case .cron(let cron, _) = schedule else { return }
        var times: [Date] = []
        var cursor = start
        while times.count < count, let next = schedule.nextFire(after: cursor) {
            times.append(next)
            cursor = next
        }
        if global.json {
            // The order of SPEC §6: expression, timezone, times.
            return JSONOutput.print(.object([
                ("expression", .string(cron.text)),
                ("timezone", .string(zone.scheduleName)),
                ("times", .array(times.map { .string(ISO8601.string($0, in: zone)) })),
            ]))
        }
        let now = Date()
        var table = Table(["TIME", "WHEN"])
        for time in times { table.add(ISO8601.string(time, in: zone), RelativeTime.describe(time, now: now)) }
        // One per line, no header: easy to read and to pipe.
        Console.out(table.rendered(style: .detect(json: false), header: false))
        if times.count < count {
            Console.error("(no more fire times after \(times.last.map { ISO8601.string($0, in: zone) } ?? ISO8601.string(start, in: zone)))")
        }
    }
}
