import Foundation
import SchedulerKitTestSupport
import Testing

/// `schedctl next` against the reference implementation of the cron semantics, cronsim
/// (SPEC §2): hundreds of random expressions, zones and start instants, many just before DST
/// transitions. The script is `Tests/Peers/cron_differential.py`; its documented differences
/// are explained in `Docs/Schedules.md`.
@Suite("Cron differential against cronsim")
struct CronDifferentialTests {
    @Test("schedctl next agrees with cronsim on randomized cases across many zones and DST transitions", arguments: [20260308, 7])
    func agreesWithCronsim(seed: Int) async throws {
        let python = try TestPeers.requirePython()
        let process = Process()
        process.executableURL = python
        process.arguments = [TestPeers.peersDirectory.appendingPathComponent("cron_differential.py").path, "--seed", String(seed)]
            + (seed == 7 ? ["--quick"] : [])
        var environment = ProcessInfo.processInfo.environment
        environment["CRON_BIN"] = try Sandbox.binary()
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let summary = text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(process.terminationStatus == 0, "cron differential failed:\n\(text.suffix(4000))")
        #expect(summary.contains("\"disagreements\": 0"), "\(summary)")
    }
}
