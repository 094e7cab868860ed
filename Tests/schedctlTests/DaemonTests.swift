import Foundation
import SchedulerKit
import SchedulerKitTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `schedctl daemon` as a real process: lifecycle, kill -9 and restart, two daemons on one file.
@Suite("schedctl daemon")
struct DaemonTests {
    /// A daemon running in the background; stopped (SIGTERM) or killed (SIGKILL) by the test.
    final class Daemon: Sendable {
        let process: ChildProcess
        let log: String

        init(_ sandbox: Sandbox, _ extra: [String] = [], name: String = "daemon") throws {
            log = sandbox.path("\(name).log")
            process = try ChildProcess(
                executable: try Sandbox.binary(), arguments: ["daemon", "--db", sandbox.db, "--grace", "2s"] + extra,
                stdout: log, stderr: log)
        }

        var pid: Int32 { process.pid }

        func kill9() async {
            process.signal(SIGKILL)
            await process.wait()
        }

        /// SIGTERM, then waits (bounded) for a clean exit; returns the exit status.
        func stop(timeout: Double = 30) async throws -> Int32 {
            process.signal(SIGTERM)
            guard let status = await process.wait(timeout: .milliseconds(Int64(timeout * 1000))) else {
                Issue.record("daemon \(pid) did not exit within \(timeout)s after SIGTERM")
                process.signal(SIGKILL)
                return await process.wait()
            }
            return status
        }

        var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
    }

    /// Polls `condition` until it holds, failing after `timeout` real seconds. Cross-process
    /// tests have no event stream: the database and the process table are the events.
    static func waitUntil(timeout: Double = 20, _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try await !condition() {
            guard Date() < deadline else {
                Issue.record("timed out after \(timeout)s waiting until \(what)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The lines a job's command appended to `path` (none when it never ran).
    static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func runs(_ sandbox: Sandbox, job: String? = nil) async throws -> [Run] {
        let store = try sandbox.store()
        defer { try? store.close() }
        var jobId: JobID?
        if let job { jobId = try await store.job(named: job)?.id }
        return try await store.runs(RunQuery(jobId: jobId, limit: nil))
    }

    @Test("a failing job is retired after --max-errors; resume refuses it, resume --force revives it; --timeout produces timed_out; nothing is left running")
    func lifecycle() async throws {
        let s = try Sandbox()
        try await s.sk("add", "bad", "--every", "1s", "--max-errors", "2", "--", "sh", "-c", "echo broken >&2; exit 3")
        try await s.sk("add", "slow", "--every", "1s", "--timeout", "1s", "--", "sleep", "30")
        try await s.sk("add", "ok", "--cron", "* * * * * *", "--", "echo", "fine")
        let daemon = try await s.sk("daemon", "--for", "5s", "--grace", "2s")
        #expect(daemon.status == 0, "\(daemon)")

        let bad = try await s.sk("--json", "show", "bad").jsonObject()
        #expect(bad["status"] as? String == "failed")
        #expect(bad["consecutive_errors"] as? Int == 2)
        #expect(bad["next_run_at"] is NSNull)
        // Under load a slot may come while the previous run is still queued: it is recorded as
        // skipped (overlap), which is correct and not what this test is about.
        let badRuns = try await runs(s, job: "bad").filter { $0.status != .skipped }
        #expect(badRuns.count == 2, "\(badRuns.map(\.status))")
        #expect(badRuns.allSatisfy { $0.status == .failed && $0.exitCode == 3 && $0.errorCode == "exit_nonzero" && $0.output == "broken\n" })

        let refused = try await s.sk("resume", "bad")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("--force"))
        let forced = try await s.sk("--json", "resume", "bad", "--force").jsonObject()
        #expect(forced["status"] as? String == "active")
        #expect(forced["consecutive_errors"] as? Int == 0)

        let slowRuns = try await runs(s, job: "slow")
        #expect(slowRuns.contains { $0.status == .timedOut && $0.errorCode == "timeout" })
        #expect(try await runs(s, job: "ok").contains { $0.status == .succeeded && $0.output == "fine\n" })
        let all = try await runs(s)
        #expect(!all.contains { $0.status == .running }, "nothing is left running after a clean exit")
        let audit = try await s.sk("--json", "audit", "bad").jsonArray().map { $0["action"] as? String }
        #expect(audit.contains("job.auto_fail"))
        #expect(audit.contains("job.resume:force"))
    }

    @Test("kill -9 mid-run, then restart: the in-flight run is system_error/lost, no slot runs twice, the job keeps its schedule")
    func killNineAndRestart() async throws {
        let s = try Sandbox()
        let marker = s.path("started")
        let ticks = s.path("ticks")
        try await s.sk("add", "long", "--every", "1s", "--", "sh", "-c", "echo $$ >> \(marker); sleep 60")
        // Each execution of tick appends its slot: the command's own record of what ran.
        try await s.sk("add", "tick", "--cron", "* * * * * *", "--", "sh", "-c", "echo \"$SCHEDCTL_SCHEDULED_FOR\" >> '\(ticks)'")
        let first = try Daemon(s, name: "first")
        try await Self.waitUntil("a run of long is running") {
            try await runs(s, job: "long").contains { $0.status == .running }
        }
        await first.kill9()
        let inFlight = try #require(try await runs(s, job: "long").first { $0.status == .running })
        // The command was started by the dead daemon; it is orphaned, not our business, but do not leak it.
        defer {
            for line in ((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "").split(separator: "\n") {
                if let pid = Int32(line) { kill(pid, SIGKILL) }
            }
        }

        let second = try Daemon(s, name: "second")
        try await Self.waitUntil("the dead daemon's run is reaped") {
            try await runs(s, job: "long").first { $0.id == inFlight.id }?.status == .systemError
        }
        let lost = try #require(try await runs(s, job: "long").first { $0.id == inFlight.id })
        #expect(lost.errorCode == "lost")
        #expect(lost.errorType == ErrorType.system)
        // The job keeps its schedule: a later slot runs under the new daemon.
        try await Self.waitUntil("a later slot of long runs") {
            try await runs(s, job: "long").contains { $0.status == .running && $0.scheduledFor > lost.scheduledFor }
        }
        try await Self.waitUntil("tick ran under the second daemon too") {
            try await runs(s, job: "tick").contains { $0.status == .succeeded && $0.startedAt.map { $0 > lost.scheduledFor } == true }
        }
        #expect(try await second.stop() == 0, "\(second.output)")

        let all = try await runs(s)
        #expect(!all.contains { $0.status == .running })
        // No slot ran twice, by what the command itself did: one line per execution.
        let executed = Self.lines(ticks)
        #expect(Set(executed).count == executed.count, "a slot of tick ran twice: \(executed)")
        let tickRuns = try await runs(s, job: "tick")
        let succeeded = Set(tickRuns.filter { $0.status == .succeeded }.map { ISO8601.string($0.scheduledFor) })
        let begun = Set(tickRuns.filter { $0.startedAt != nil }.map { ISO8601.string($0.scheduledFor) })
        #expect(succeeded.isSubset(of: Set(executed)), "every succeeded run executed")
        // A run in flight at the kill may have executed and then been recorded lost; nothing else ran.
        #expect(Set(executed).isSubset(of: begun), "only recorded runs executed: \(Set(executed).subtracting(begun))")
        #expect(executed.count >= succeeded.count && executed.count <= begun.count)
        let job = try await s.sk("--json", "show", "long").jsonObject()
        #expect(job["status"] as? String == "active")
        #expect(job["consecutive_errors"] as? Int == 0, "a lost run does not punish the job")
    }

    @Test("two daemons on one database file never run the same slot twice")
    func twoDaemons() async throws {
        let s = try Sandbox()
        let executions = s.path("executions")
        for i in 0..<4 {
            // Each execution appends its job and slot: what ran, as the commands saw it.
            try await s.sk(
                "add", "j\(i)", "--cron", "* * * * * *", "--", "sh", "-c",
                "echo \"$SCHEDCTL_JOB_NAME $SCHEDCTL_SCHEDULED_FOR\" >> '\(executions)'")
        }
        let a = try Daemon(s, ["--concurrency", "4"], name: "a")
        let b = try Daemon(s, ["--concurrency", "4"], name: "b")
        try await Self.waitUntil(timeout: 30, "24 runs succeeded") { try await runs(s).filter { $0.status == .succeeded }.count >= 24 }
        #expect(try await a.stop() == 0, "\(a.output)")
        #expect(try await b.stop() == 0, "\(b.output)")
        let all = try await runs(s)
        #expect(!all.contains { $0.status == .running })
        #expect(all.allSatisfy { $0.status == .succeeded || $0.status == .skipped }, "\(all.map(\.status))")
        let executed = Self.lines(executions)
        #expect(Set(executed).count == executed.count, "a (job, slot) ran twice: \(executed.sorted())")
        let succeeded = all.filter { $0.status == .succeeded }.map { "\($0.jobName) \(ISO8601.string($0.scheduledFor))" }
        #expect(executed.count == succeeded.count, "one execution per succeeded run")
        #expect(Set(executed) == Set(succeeded))
    }
}
