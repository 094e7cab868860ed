import Foundation
import GRDB
import SchedulerKit
import Testing

/// A run id whose time part is exactly `date` (see the library tests' `ulid(at:)`).
private func runID(at date: Date) -> RunID {
    let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    return RunID(String(ULID.lowerBound(for: date).prefix(10)) + String((0..<16).map { _ in alphabet[Int.random(in: 0..<32)] }))
}

/// `count` bytes of deterministic pseudo-random data.
private func bytes(_ count: Int, seed: UInt64 = 7) -> Data {
    var state = seed
    return Data((0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    })
}

@Suite("artifacts, artifact, prune")
struct RetentionCommandTests {
    /// A finished run of job `name` created `age` seconds ago, with artifacts attached while it ran.
    @discardableResult
    private func seedRun(
        _ s: Sandbox, job name: String, age: Double, status: RunStatus = .succeeded, artifacts: [(String, String, Data)] = []
    ) async throws -> RunID {
        let store = try s.store()
        defer { try? store.close() }
        let job = try #require(try await store.job(named: name))
        let at = Date().addingTimeInterval(-age)
        // Inserted running (artifacts are attached while a run runs), then ended.
        let run = Run(
            id: runID(at: at), jobId: job.id, jobName: job.name, trigger: .manual, scheduledFor: at, status: .running,
            queuedAt: at, startedAt: at, leaseOwner: "tests/1/fixture", leaseExpiresAt: at.addingTimeInterval(3600))
        try await store.enqueueRun(run, check: { _ in }, audit: nil)
        for (name, type, data) in artifacts {
            try await store.saveArtifact(SaveArtifactParams(runId: run.id, name: name, contentType: type, data: data, now: at))
        }
        if status.isTerminal {
            let outcome: RunOutcome = status == .succeeded ? .succeeded() : .error(.exitNonzero, "exit 1", exitCode: 1)
            _ = try await store.completeRun(CompleteRunParams(runId: run.id, outcome: outcome, now: at))
        }
        return run.id
    }

    @Test func artifactWritesTheBytesExactlyAndArtifactsListsThem() async throws {
        let s = try Sandbox()
        try await s.addJob("export")
        let allBytes = Data((0...255).map { UInt8($0) } + [0x0D, 0x0A, 0x00] + Array("tail\n".utf8))
        let large = bytes(300 * 1024)
        let run = try await seedRun(
            s, job: "export", age: 60,
            artifacts: [("bytes.bin", "application/octet-stream", allBytes), ("big.tar", "application/x-tar", large), ("notes.txt", "text/plain", Data("héllo\n".utf8))])

        let small = try await s.sk("artifact", run.rawValue, "bytes.bin")
        #expect(small.status == 0, "\(small)")
        #expect(small.stdoutData == allBytes)
        #expect(small.stderr.isEmpty)
        let big = try await s.sk("artifact", run.rawValue, "big.tar")
        #expect(big.status == 0)
        #expect(big.stdoutData == large)

        let list = try await s.sk("--json", "artifacts", run.rawValue)
        #expect(list.status == 0, "\(list)")
        let items = try list.jsonArray()
        #expect(items.map { $0["name"] as? String } == ["bytes.bin", "big.tar", "notes.txt"])
        for item in items {
            expectKeys(item, required: ["id", "run_id", "job_id", "name", "content_type", "size", "sha256", "stored", "path", "created_at"])
            #expect(item["run_id"] as? String == run.rawValue)
            #expect((item["sha256"] as? String)?.count == 64)
        }
        #expect(items[0]["size"] as? Int == allBytes.count)
        #expect(items[0]["stored"] as? String == "database")
        #expect(isNull(items[0]["path"]))
        #expect(items[1]["stored"] as? String == "file")
        let path = try #require(items[1]["path"] as? String)
        #expect(path.hasPrefix("db.sqlite.artifacts/"))
        #expect(s.bytes(s.path(path)) == large)

        let human = try await s.sk("artifacts", run.rawValue)
        #expect(human.status == 0)
        #expect(human.stdout.hasPrefix("NAME"))
        #expect(human.stdout.contains("big.tar"))
        #expect(human.stdout.contains("300.0 KiB"))

        let json = try await s.sk("--json", "artifact", run.rawValue, "notes.txt")
        let object = try json.jsonObject()
        #expect(object["content_base64"] as? String == Data("héllo\n".utf8).base64EncodedString())
        #expect(object["content_type"] as? String == "text/plain")
    }

    @Test func missingRunOrArtifactExits3() async throws {
        let s = try Sandbox()
        try await s.addJob("export")
        let run = try await seedRun(s, job: "export", age: 60, artifacts: [("a", "text/plain", Data("a".utf8))])
        let noName = try await s.sk("artifact", run.rawValue, "nope")
        #expect(noName.status == 3, "\(noName)")
        #expect(noName.stdout.isEmpty)
        #expect(noName.stderr.hasPrefix("schedctl: run \(run.rawValue) has no artifact named \"nope\""))
        let noRun = try await s.sk("artifact", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "a")
        #expect(noRun.status == 3)
        let list = try await s.sk("artifacts", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        #expect(list.status == 3)
        let empty = try await seedRun(s, job: "export", age: 30)
        let none = try await s.sk("artifacts", empty.rawValue)
        #expect(none.status == 0)
        #expect(none.stdout == "run \(empty.rawValue) has no artifacts\n")
        #expect(try await s.sk("--json", "artifacts", empty.rawValue).jsonArray().isEmpty)
    }

    @Test func pruneRemovesOldRunsWithTheirArtifactsAndReports() async throws {
        let s = try Sandbox()
        try await s.addJob("nightly")
        let day = 86_400.0
        var old: [RunID] = []
        for i in 0..<3 { old.append(try await seedRun(s, job: "nightly", age: 40 * day + Double(i), status: .failed)) }
        let withFile = try await seedRun(
            s, job: "nightly", age: 45 * day, artifacts: [("big", "application/octet-stream", bytes(300 * 1024)), ("small", "text/plain", Data("s".utf8))])
        let recent = try await seedRun(s, job: "nightly", age: 2 * day)
        let queued = try await s.sk("--json", "run-now", "nightly").jsonObject()["id"] as? String

        let r = try await s.sk("--json", "prune")
        #expect(r.status == 0, "\(r)")
        let report = try r.jsonObject()
        expectKeys(report, required: [
            "runs", "runs_by_age", "runs_by_count", "artifacts", "artifact_files", "deliveries", "audit_entries", "pages_reclaimed",
            "bytes_before", "bytes_after", "older_than_seconds", "keep",
        ])
        #expect(report["runs"] as? Int == 4)
        #expect(report["runs_by_age"] as? Int == 4)
        #expect(report["artifacts"] as? Int == 2)
        #expect(report["artifact_files"] as? Int == 1)
        #expect(report["older_than_seconds"] as? Int == 30 * 86_400)
        #expect(report["keep"] as? Int == 1000)
        let left = try await s.sk("--json", "runs", "nightly").jsonArray().compactMap { $0["id"] as? String }
        #expect(Set(left) == Set([recent.rawValue, try #require(queued)]))
        #expect(try await s.sk("artifacts", withFile.rawValue).status == 3)
        let files = FileManager.default.enumerator(atPath: s.db + ".artifacts")?.allObjects.compactMap { $0 as? String } ?? []
        #expect(!files.contains { $0.hasSuffix("/" + withFile.rawValue) || $0.contains(withFile.rawValue + "/") })
    }

    @Test func pruneKeepAndOlderThan() async throws {
        let s = try Sandbox()
        try await s.addJob("often")
        for i in 0..<5 { try await seedRun(s, job: "often", age: 3600 + Double(i)) }
        let keep = try await s.sk("--json", "prune", "--keep", "2")
        #expect(keep.status == 0, "\(keep)")
        #expect(try keep.jsonObject()["runs_by_count"] as? Int == 3)
        #expect(try await s.sk("--json", "runs", "often").jsonArray().count == 2)

        let age = try await s.sk("prune", "--older-than", "30m")
        #expect(age.status == 0, "\(age)")
        #expect(age.stdout.hasPrefix("pruned:\n"))
        #expect(age.stdout.contains("runs           2 (2 older than 30m, 0 beyond the newest 1000 of their job)"))
        #expect(age.stdout.contains("audit entries"))
        #expect(try await s.sk("--json", "runs", "often").jsonArray().isEmpty)
    }

    @Test func pruneBadOptions() async throws {
        let s = try Sandbox()
        let negative = try await s.sk("prune", "--keep", "-1")
        #expect(negative.status == 64, "\(negative)")
        let duration = try await s.sk("prune", "--older-than", "3x")
        #expect(duration.status == 65, "\(duration)")
        #expect(duration.stderr.hasPrefix("schedctl: older-than: \"3x\""))
    }
}
