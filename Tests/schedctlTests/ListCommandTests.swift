import Foundation
import Testing

@Suite("list")
struct ListCommandTests {
    @Test func emptyStateIsFriendly() async throws {
        let s = try Sandbox()
        try s.store().close()  // list only reads: a command that writes creates the database
        let r = try await s.sk("list")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("no jobs yet"))
        let json = try await s.sk("--json", "list")
        #expect(json.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
        let paused = try await s.sk("list", "--status", "paused")
        #expect(paused.stdout == "no paused jobs\n")
    }

    @Test func alignedTableWithRelativeAndAbsoluteNextRun() async throws {
        let s = try Sandbox()
        try await s.addJob("alpha", ["--at", "2099-06-01T12:00:00Z"])
        try await s.addJob("a-much-longer-name", ["--cron", "*/15 * * * *", "--tz", "Europe/Paris"])
        let r = try await s.sk("list")
        #expect(r.status == 0, "\(r)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("NAME"))
        for h in ["STATUS", "SCHEDULE", "NEXT RUN", "LAST"] { #expect(lines[0].contains(h)) }
        // columns line up: STATUS starts at the same offset on every line
        let col = try #require(lines[0].range(of: "STATUS")).lowerBound.utf16Offset(in: lines[0])
        for line in lines.dropFirst() {
            let idx = line.index(line.startIndex, offsetBy: col)
            #expect(line[idx...].hasPrefix("active"), "\(line)")
        }
        #expect(r.stdout.contains("in ") && r.stdout.contains("(2099-06-01T12:00:00Z)"))
        #expect(r.stdout.contains("*/15 * * * * (Europe/Paris)"))
        #expect(!r.stdout.contains("\u{1B}"))
        #expect(!lines.contains { $0.hasSuffix(" ") }, "no trailing blanks")
    }

    @Test func statusFilterAndJSON() async throws {
        let s = try Sandbox()
        try await s.addJob("one")
        try await s.addJob("two")
        #expect(try await s.sk("pause", "two").status == 0)
        let r = try await s.sk("--json", "list", "--status", "paused")
        let jobs = try r.jsonArray()
        #expect(jobs.map { $0["name"] as? String } == ["two"])
        for job in jobs { expectKeys(job, required: Shapes.job) }
        #expect(isNull(jobs[0]["next_run_at"]))
        let bad = try await s.sk("list", "--status", "sleeping")
        #expect(bad.status == 64, "\(bad)")
        expectOneErrorLine(bad)
    }
}
