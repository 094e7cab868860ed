import Foundation
import Testing
@testable import SchedulerKit

@Suite("Shell jobs through the engine (real child processes)")
struct ShellHandlerTests {
    func shellJob(_ name: String, _ argv: [String], timeout: Double? = nil) throws -> JobSpec {
        var spec = try JobSpec(name: name, schedule: .every(seconds: 60, anchor: EngineHarness.t0), command: argv)
        spec.timeout = timeout
        return spec
    }

    @Test("a command gets the SCHEDCTL_* environment; exit 0 succeeds with its output recorded")
    func environmentAndSuccess() async throws {
        let h = try await EngineHarness.start()
        let job = try await h.client.addJob(try shellJob("env", [
            "sh", "-c",
            "echo id=$SCHEDCTL_JOB_ID name=$SCHEDCTL_JOB_NAME run=$SCHEDCTL_RUN_ID slot=$SCHEDCTL_SCHEDULED_FOR trigger=$SCHEDCTL_TRIGGER attempt=$SCHEDCTL_ATTEMPT",
        ]))
        h.advance(by: 60)
        let run = try await h.events.finished()[0]
        #expect(run.status == .succeeded)
        #expect(run.exitCode == 0)
        #expect(run.output == "id=\(job.id) name=env run=\(run.id) slot=2026-11-23T09:01:00.000Z trigger=schedule attempt=1\n")
        try await h.stop()
    }

    @Test("a non-zero exit is failed/exit_nonzero with the code and the stderr tail")
    func nonZeroExit() async throws {
        let h = try await EngineHarness.start()
        try await h.client.addJob(try shellJob("bad", ["sh", "-c", "echo to-stdout; echo oops >&2; exit 3"]))
        h.advance(by: 60)
        let run = try await h.events.finished()[0]
        #expect(run.status == .failed)
        #expect(run.errorType == ErrorType.user)
        #expect(run.errorCode == "exit_nonzero")
        #expect(run.exitCode == 3)
        #expect(run.output == "to-stdout\noops\n")
        try await h.stop()
    }

    @Test("a command that does not exist is failed/command_not_found")
    func notFound() async throws {
        let h = try await EngineHarness.start()
        try await h.client.addJob(try shellJob("ghost", ["definitely-not-a-command-\(UUID().uuidString.prefix(6))"]))
        h.advance(by: 60)
        let run = try await h.events.finished()[0]
        #expect(run.status == .failed)
        #expect(run.errorCode == "command_not_found")
        #expect(run.errorType == ErrorType.user)
        try await h.stop()
    }

    @Test("a command past its timeout gets SIGTERM and the run is timed_out; one that ignores SIGTERM is killed")
    func timeoutKillsTheProcess() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sk-shell-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pidFile = dir.appendingPathComponent("pid").path
        let h = try await EngineHarness.start(configure: { $0.shellTerminationGrace = 0.5 })
        try await h.client.addJob(try shellJob(
            "stubborn", ["sh", "-c", "trap '' TERM; echo $$ > \(pidFile); echo started; while :; do sleep 1; done"], timeout: 2))
        h.advance(by: 60)
        _ = try await h.events.started()
        // Wait until the command is really running before its deadline passes.
        try await waitForFile(pidFile)
        h.advance(by: 2)
        let run = try await h.events.finished()[0]
        #expect(run.status == .timedOut)
        #expect(run.errorCode == "timeout")
        #expect(run.output?.contains("started") == true)
        let pid = Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))!
        #expect(kill(pid, 0) == -1, "the command's process must be gone")
        try await h.stop()
    }

    func waitForFile(_ path: String, timeout: Double = 10) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while !FileManager.default.fileExists(atPath: path) || ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").isEmpty {
            guard ContinuousClock.now < deadline else {
                Issue.record("\(path) never appeared")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
