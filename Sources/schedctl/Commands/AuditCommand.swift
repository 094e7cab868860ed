import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl audit [JOB] [--limit N]`
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the audit log of operator and scheduler actions, newest first.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Only entries of this job (name or id).")
    var job: String?

    @Option(help: ArgumentHelp("At most this many entries.", valueName: "n"))
    var limit: Int = 100

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let entries = try await global.client(readOnly: true).audit(job: job, limit: limit)
        if global.json { return JSONOutput.print(.array(entries.map(WireJSON.audit))) }
        guard !entries.isEmpty else { return Console.line(job.map { "no audit entries for job \($0)" } ?? "no audit entries") }
        var table = Table(["AT", "ACTOR", "ACTION", "JOB", "DETAILS"])
        for entry in entries {
            table.add(
                ISO8601.string(entry.at, milliseconds: false), entry.actor, entry.action, entry.jobName ?? entry.jobId?.rawValue ?? "-",
                details(entry))
        }
        Console.out(table.rendered(style: .detect(json: false)))
    }

    /// `key=value` pairs, sorted, values quoted when they hold spaces.
    private func details(_ entry: AuditEntry) -> String {
        guard let members = WireJSON.redactDetails(WireJSON.parseObject(entry.details)).objectMembers else { return "" }
        return members.sorted { $0.0 < $1.0 }.map { key, member -> String in
            let value: String
            switch member {
            case .string(let s): value = s
            case .int(let i): value = String(i)
            case .double(let d): value = String(d)
            case .bool(let b): value = String(b)
            case .null: value = "null"
            default: value = member.serialized(sortedKeys: true)
            }
            let oneLine = value.split(whereSeparator: \.isNewline).joined(separator: " ")
            return "\(key)=" + (oneLine.contains(" ") || oneLine.isEmpty ? "\"\(oneLine)\"" : oneLine)
        }.joined(separator: " ")
    }
}
