import Foundation
import Testing

@Suite("pause, resume, run-now, rm")
struct LifecycleCommandTests {
    @Test func pauseAndResume() async throws {
        let s = try Sandbox()
        let job = try await s.addJob("p")
        let paused = try await s.sk("--json", "pause", "p")
        #expect(paused.status == 0, "\(paused)")
        #expect(try paused.jsonObject()["status"] as? String == "paused")
        let again = try await s.sk("pause", "p")
        #expect(again.status == 1, "\(again)")
        expectOneErrorLine(again)

        // by id, human output
        let resumed = try await s.sk("resume", try #require(job["id"] as? String))
        #expect(resumed.status == 0, "\(resumed)")
        #expect(resumed.stdout.hasPrefix("resumed job p — next run in "))
        let active = try await s.sk("resume", "p")
        #expect(active.status == 1, "\(active)")
        #expect(active.stderr.contains("already active"))
    }

    @Test func failedJobNeedsForce() async throws {
        let s = try Sandbox()
        let job = try await s.addJob("flaky")
        try await Fixtures.markFailed(s, id: try #require(job["id"] as? String), errors: 3)

        let refused = try await s.sk("resume", "flaky")
        #expect(refused.status == 1, "\(refused)")
        expectOneErrorLine(refused)
        #expect(refused.stderr == "schedctl: job \"flaky\" is failed (retired after 3 consecutive errors) (use resume --force to revive it)\n")

        let forced = try await s.sk("--json", "resume", "flaky", "--force")
        #expect(forced.status == 0, "\(forced)")
        let revived = try forced.jsonObject()
        #expect(revived["status"] as? String == "active")
        #expect(revived["consecutive_errors"] as? Int == 0)
        #expect(Shapes.isUTCMillis(revived["next_run_at"]))

        let audit = try await s.sk("--json", "audit", "flaky")
        #expect(try audit.jsonArray().first?["action"] as? String == "job.resume:force")
    }

    @Test func forceHumanOutputSaysWhatWasCleared() async throws {
        let s = try Sandbox()
        let job = try await s.addJob("f2")
        try await Fixtures.markFailed(s, id: try #require(job["id"] as? String), errors: 4)
        let r = try await s.sk("resume", "--force", "f2")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("revived job f2 (cleared 4 consecutive errors) — next run in "))
    }

    @Test func completedJobIsRefusedEvenWithForce() async throws {
        let s = try Sandbox()
        let job = try await s.addJob("once", ["--at", "2099-01-01T00:00:00Z"])
        try await Fixtures.markCompleted(s, id: try #require(job["id"] as? String))
        for args in [["resume", "once"], ["resume", "once", "--force"], ["pause", "once"], ["run-now", "once"]] {
            let r = try await s.run(["--db", s.db] + args)
            #expect(r.status == 1, "\(args): \(r)")
            expectOneErrorLine(r)
            #expect(r.stderr.contains("completed"))
        }
    }

    @Test func runNowQueuesAManualRun() async throws {
        let s = try Sandbox()
        let job = try await s.addJob("now")
        let r = try await s.sk("--json", "run-now", "now")
        #expect(r.status == 0, "\(r)")
        let run = try r.jsonObject()
        expectKeys(run, required: Shapes.run)
        #expect(run["status"] as? String == "queued")
        #expect(run["trigger"] as? String == "manual")
        #expect(run["attempt"] as? Int == 1)
        #expect(run["job_id"] as? String == job["id"] as? String)
        #expect(run["job_name"] as? String == "now")
        for key in ["started_at", "finished_at", "exit_code", "error_type", "error_code", "error_message"] {
            #expect(isNull(run[key]), "\(key)")
        }
        #expect(try await s.sk("--json", "show", "now").jsonObject()["next_run_at"] as? String == job["next_run_at"] as? String)

        let human = try await s.sk("run-now", "now")
        #expect(human.stdout.hasPrefix("queued run "))

        #expect(try await s.sk("pause", "now").status == 0)
        let refused = try await s.sk("run-now", "now")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("resume it first"))
    }

    @Test func rmDeletesAndPrintsTheJob() async throws {
        let s = try Sandbox()
        try await s.addJob("gone")
        let r = try await s.sk("--json", "rm", "gone")
        #expect(r.status == 0, "\(r)")
        #expect(try r.jsonObject()["name"] as? String == "gone")
        let again = try await s.sk("rm", "gone")
        #expect(again.status == 3, "\(again)")
        expectOneErrorLine(again)
        #expect(try await s.sk("show", "gone").status == 3)
    }

    @Test(arguments: [["pause", "nope"], ["resume", "nope"], ["resume", "nope", "--force"], ["run-now", "nope"], ["rm", "nope"],
                      ["show", "nope"], ["runs", "nope"], ["logs", "01JNOPE"], ["audit", "nope"], ["alerts", "list", "nope"],
                      ["alerts", "rm", "nope"], ["alerts", "add", "nope", "--email", "a@example.com"]])
    func notFoundExits3(_ args: [String]) async throws {
        let s = try Sandbox()
        try await s.addJob("exists")
        let r = try await s.run(["--db", s.db] + args)
        #expect(r.status == 3, "\(args): \(r)")
        expectOneErrorLine(r)
        #expect(r.stdout.isEmpty)
    }
}
