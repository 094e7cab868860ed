import Foundation
import Testing

@Suite("audit")
struct AuditCommandTests {
    @Test func recordsEveryOperatorActionWithTheCLIActor() async throws {
        let s = try Sandbox()
        try await s.addJob("a")
        try await s.addJob("b")
        #expect(try await s.sk("pause", "a").status == 0)
        #expect(try await s.sk("resume", "a").status == 0)
        #expect(try await s.sk("run-now", "a").status == 0)
        let alert = try await s.sk("--json", "alerts", "add", "a", "--email", "ops@example.com").jsonObject()
        #expect(try await s.sk("alerts", "rm", try #require(alert["id"] as? String)).status == 0)
        #expect(try await s.sk("rm", "b").status == 0)

        let r = try await s.sk("--json", "audit")
        #expect(r.status == 0, "\(r)")
        let entries = try r.jsonArray()
        for e in entries {
            expectKeys(e, required: Shapes.audit)
            #expect(e["actor"] as? String == "cli:tester")
            #expect(Shapes.isUTCMillis(e["at"]))
            #expect(e["details"] is [String: Any])
        }
        #expect(entries.map { $0["action"] as? String } == [
            "job.delete", "alert.delete", "alert.create", "job.run_now", "job.resume", "job.pause", "job.create", "job.create",
        ])
        let onlyA = try await s.sk("--json", "audit", "a").jsonArray()
        #expect(onlyA.allSatisfy { $0["job_name"] as? String == "a" })
        #expect(onlyA.count == 6)

        let human = try await s.sk("audit", "--limit", "2")
        #expect(human.stdout.hasPrefix("AT"))
        #expect(human.stdout.split(separator: "\n").count == 3)
        #expect(human.stdout.contains("cli:tester"))
    }

    @Test func actorFallsBackToUid() async throws {
        let s = try Sandbox()
        let r = try await s.run(["--db", s.db, "add", "u", "--every", "1m", "--", "true"], unset: ["USER"])
        #expect(r.status == 0)
        let entry = try await s.sk("--json", "audit").jsonArray().first
        #expect(entry?["actor"] as? String == "cli:\(getuid())")
    }
}
