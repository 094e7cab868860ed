import Foundation
import Testing

@Suite("next")
struct NextCommandTests {
    @Test func jsonTimesCarryTheZoneOffset() async throws {
        let s = try Sandbox()
        let r = try await s.run(["--json", "next", "0 * * * *", "--tz", "America/New_York", "--from", "2026-11-23T09:00:00Z", "--count", "3"])
        #expect(r.status == 0, "\(r)")
        let doc = try r.jsonObject()
        #expect(Set(doc.keys).isSuperset(of: ["expression", "timezone", "times"]))
        #expect(doc["expression"] as? String == "0 * * * *")
        #expect(doc["timezone"] as? String == "America/New_York")
        #expect(doc["times"] as? [String] == ["2026-11-23T05:00:00-05:00", "2026-11-23T06:00:00-05:00", "2026-11-23T07:00:00-05:00"])
        #expect(!FileManager.default.fileExists(atPath: s.path(".local")), "next opens no database")
    }

    @Test func utcUsesPlusZeroOffsetAndStrictlyAfter() async throws {
        let s = try Sandbox()
        let r = try await s.run(["next", "*/15 * * * *", "--from", "2026-11-23T09:15:00Z", "--count", "2", "--json"])
        #expect(try r.jsonObject()["times"] as? [String] == ["2026-11-23T09:30:00+00:00", "2026-11-23T09:45:00+00:00"])
        #expect(try r.jsonObject()["timezone"] as? String == "UTC")
        let d = try await s.run(["next", "*/15 * * * *", "--from", "2026-11-23T09:15:00Z", "--json"])
        #expect((try d.jsonObject()["times"] as? [String])?.count == 5, "default count is 5")
    }

    @Test func humanOutputOneTimePerLine() async throws {
        let s = try Sandbox()
        let r = try await s.run(["next", "*/15", "*", "*", "*", "*", "--from", "2026-11-23T09:15:00Z", "--count", "2"])
        #expect(r.status == 0, "\(r)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("2026-11-23T09:30:00+00:00  "))
        #expect(lines[0].hasSuffix("ago") || lines[0].contains("in "))
    }

    @Test(arguments: [
        (["next", "x * * * *"], Int32(65)),
        (["next", "* * *"], 65),
        (["next", "* * * * *", "--tz", "Nowhere/City"], 65),
        (["next", "* * * * *", "--from", "yesterday"], 65),
        (["next", "* * * * *", "--count", "0"], 64),
        (["next", "* * * * *", "--count", "x"], 64),
        (["next"], 64),
    ] as [([String], Int32)])
    func badInput(_ args: [String], status: Int32) async throws {
        let s = try Sandbox()
        let r = try await s.run(args)
        #expect(r.status == status, "\(args): \(r)")
        expectOneErrorLine(r)
    }
}
