import Foundation
import SchedulerKit
import Testing

@Suite("runs, logs, show")
struct RunsCommandTests {
    /// A job with one failed run (output recorded) and one queued run.
    private func jobWithRuns(_ s: Sandbox) async throws -> (failed: String, queued: String) {
        try await s.addJob("worker")
        let first = try await s.sk("--json", "run-now", "worker").jsonObject()
        let failed = try #require(first["id"] as? String)
        try await Fixtures.finish(
            s, runId: failed,
            outcome: .error(.exitNonzero, "exited with status 2", exitCode: 2, output: "line one\nlíne two\ttab\n"))
        let second = try await s.sk("--json", "run-now", "worker").jsonObject()
        return (failed, try #require(second["id"] as? String))
    }

    @Test func runsListsNewestFirstWithTheRunShape() async throws {
        let s = try Sandbox()
        let (failed, queued) = try await jobWithRuns(s)
        let r = try await s.sk("--json", "runs")
        #expect(r.status == 0, "\(r)")
        let runs = try r.jsonArray()
        #expect(runs.map { $0["id"] as? String } == [queued, failed])
        for run in runs { expectKeys(run, required: Shapes.run) }
        let f = runs[1]
        #expect(f["status"] as? String == "failed")
        #expect(f["exit_code"] as? Int == 2)
        #expect(f["error_type"] as? String == "user")
        #expect(f["error_code"] as? String == "exit_nonzero")
        #expect(f["error_message"] as? String == "exited with status 2")
        #expect(Shapes.isUTCMillis(f["started_at"]) && Shapes.isUTCMillis(f["finished_at"]) && Shapes.isUTCMillis(f["scheduled_for"]))

        let human = try await s.sk("runs", "worker")
        #expect(human.status == 0)
        #expect(human.stdout.hasPrefix("RUN"))
        #expect(human.stdout.contains("exit_nonzero: exited with status 2"))
    }

    @Test func statusFilterAndLimit() async throws {
        let s = try Sandbox()
        let (failed, queued) = try await jobWithRuns(s)
        let f = try await s.sk("--json", "runs", "worker", "--status", "failed,system_error")
        #expect(try f.jsonArray().map { $0["id"] as? String } == [failed])
        let q = try await s.sk("--json", "runs", "--status", "queued")
        #expect(try q.jsonArray().map { $0["id"] as? String } == [queued])
        let one = try await s.sk("--json", "runs", "--limit", "1")
        #expect(try one.jsonArray().count == 1)
        let none = try await s.sk("runs", "worker", "--status", "succeeded")
        #expect(none.stdout.hasPrefix("no runs of job worker"))
        for bad in [["runs", "--status", "exploded"], ["runs", "--limit", "0"], ["runs", "--limit", "many"]] {
            let r = try await s.run(["--db", s.db] + bad)
            #expect(r.status == 64, "\(bad): \(r)")
            expectOneErrorLine(r)
        }
    }

    @Test func logsPrintsOutputVerbatim() async throws {
        let s = try Sandbox()
        let (failed, queued) = try await jobWithRuns(s)
        let r = try await s.sk("logs", failed)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdoutData == Data("line one\nlíne two\ttab\n".utf8))
        let json = try await s.sk("--json", "logs", failed).jsonObject()
        expectKeys(json, required: Shapes.run + ["output"])
        #expect(json["output"] as? String == "line one\nlíne two\ttab\n")
        let empty = try await s.sk("logs", queued)
        #expect(empty.status == 0 && empty.stdout.isEmpty)
        #expect(isNull(try await s.sk("--json", "logs", queued).jsonObject()["output"]))
    }

    @Test func showIncludesRunsAndAlerts() async throws {
        let s = try Sandbox()
        let (failed, queued) = try await jobWithRuns(s)
        #expect(try await s.sk("alerts", "add", "worker", "--webhook", "https://hooks.example.com/x", "--secret", "topsecret").status == 0)
        let r = try await s.sk("--json", "show", "worker")
        #expect(r.status == 0, "\(r)")
        let job = try r.jsonObject()
        expectKeys(job, required: Shapes.job + ["runs", "alerts"])
        let runs = try #require(job["runs"] as? [[String: Any]])
        #expect(runs.map { $0["id"] as? String } == [queued, failed])
        let alerts = try #require(job["alerts"] as? [[String: Any]])
        #expect(alerts.count == 1)
        #expect(alerts[0]["secret"] as? String == "***")
        #expect(job["last_run_status"] as? String == "failed")
        #expect(job["consecutive_errors"] as? Int == 1)

        let human = try await s.sk("show", "worker")
        #expect(human.status == 0)
        for text in ["name:", "status:", "schedule:", "command:", "Recent runs", "Alerts", failed, "***", "https://hooks.example.com/x"] {
            #expect(human.stdout.contains(text), "show lacks \(text)")
        }
        #expect(!human.stdout.contains("topsecret"))
    }

    @Test func runsOfADeletedJobStayAsHistory() async throws {
        let s = try Sandbox()
        let (failed, _) = try await jobWithRuns(s)
        let id = try #require(try await s.sk("--json", "show", "worker").jsonObject()["id"] as? String)
        #expect(try await s.sk("rm", "worker").status == 0)
        let r = try await s.sk("--json", "runs", id)
        #expect(r.status == 0, "\(r)")
        let runs = try r.jsonArray()
        #expect(runs.contains { $0["id"] as? String == failed && $0["status"] as? String == "failed" })
        #expect(runs.contains { $0["status"] as? String == "cancelled" }, "the queued run is cancelled with its job")
    }
}
