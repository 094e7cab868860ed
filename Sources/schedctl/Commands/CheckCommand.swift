import ArgumentParser
import Foundation
import SchedulerKit

/// `schedctl check` — health checks with Nagios plugin exit codes.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Run the health checks; exit 0 OK, 1 WARNING, 2 CRITICAL.",
        discussion: """
            Follows the Nagios plugin convention: the first line is the status and a summary \
            (CRITICAL - 2 critical, 1 warning | critical=2 warning=1 info=0), then one line per \
            finding, most severe first. Info findings are printed but leave the status OK. The \
            checks only read the database. With --json: {"status", "summary", "checked_at", \
            "findings": [{"id", "severity", "category", "job", "job_id", "message", "details"}]}, \
            with the same exit code.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try await DatabaseLocation.resolve(option: global.db).openStore(readOnly: true).store
        let now = Date()
        let findings = try await HealthChecks(store: store, clock: FixedClock(now)).run()
        let status = HealthStatus(findings)
        if global.json {
            JSONOutput.print(WireJSON.health(findings, at: now))
        } else {
            Console.out(Self.text(findings, status: status, style: .detect(json: false)))
        }
        let code = ExitCodes.code(for: status)
        if code != ExitCodes.success { throw ExitCode(code) }
    }

    /// `STATUS - summary | perfdata`, then `SEVERITY id: message` per finding.
    static func text(_ findings: [HealthFinding], status: HealthStatus, style: Style) -> String {
        let counts = HealthFinding.Severity.allCases.reversed().map { s in (s, findings.filter { $0.severity == s }.count) }
        let summary = counts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
        let perfdata = counts.map { "\($0.0.rawValue)=\($0.1)" }.joined(separator: " ")
        var out = "\(status.rawValue.uppercased()) - \(summary.isEmpty ? "all checks passed" : summary) | \(perfdata)\n"
        for f in findings {
            let label = f.severity.rawValue.uppercased()
            let color: Style.Color? = f.severity == .critical ? .red : (f.severity == .warning ? .yellow : .dim)
            out += style.paint(label, color) + String(repeating: " ", count: 9 - label.count) + "\(f.id): \(f.message)\n"
        }
        return out
    }
}

/// A clock stopped at one instant, so every check of one invocation judges the same "now".
struct FixedClock: SchedulerClock {
    let instant: Date
    init(_ instant: Date) { self.instant = instant }
    func now() -> Date { instant }
    func sleep(until deadline: Date) async throws { try Task.checkCancellation() }
}
