import Foundation
import GRDB
import Testing
@testable import SchedulerKit

/// Retention: what a pass deletes, what it never deletes, and the space it gives back.
///
/// The clock stands at `t0`; history is seeded at `day(-n)` (n days before), with ids that carry
/// exactly that instant.
@Suite("Pruner: retention by age and by count")
struct PrunerTests {
    func pruner(_ f: StoreFixture, _ configuration: Pruner.Configuration) -> Pruner {
        Pruner(store: f.sqlite, clock: ManualClock(now: t0), configuration: configuration)
    }

    @Test("by age: finished runs older than maxAge go, in batches; queued, running and newer runs stay")
    func byAge() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j", nextRunAt: day(365)))
            var old: [Run] = []
            for (i, status) in [RunStatus.succeeded, .failed, .timedOut, .systemError, .cancelled, .skipped].enumerated() {
                old.append(try await store.seedRun(of: job, at: day(-40).addingTimeInterval(Double(i)), status: status))
            }
            let queued = try await store.seedRun(of: job, at: day(-45), status: .queued)
            let running = try await store.seedRun(of: job, at: day(-45).addingTimeInterval(1), status: .running)
            let edge = try await store.seedRun(of: job, at: day(-30).addingTimeInterval(0.001))
            let recent = try await store.seedRun(of: job, at: day(-1))

            let report = try await pruner(f, testRetention(batch: 4)).runOnce()
            #expect(report.runs == 6)
            #expect(report.runsByAge == 6)
            #expect(report.runsByCount == 0)
            let left = try await store.allRuns(of: job).map(\.id)
            #expect(Set(left) == Set([queued.id, running.id, edge.id, recent.id]))

            let again = try await pruner(f, testRetention(batch: 4)).runOnce()
            #expect(again.runs == 0)
        }
    }

    @Test("by count: the newest N runs of each job stay (deleted jobs too); queued and running runs count and are never deleted")
    func byCount() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let a = try await store.insert(makeJob("a", nextRunAt: day(365)))
            let b = try await store.insert(makeJob("b", nextRunAt: day(365)))
            let c = try await store.insert(makeJob("c", nextRunAt: day(365)))
            var runsA: [Run] = []
            for i in 0..<9 {
                // the 3rd oldest is still running, the 2nd oldest queued: both beyond the newest 3
                let status: RunStatus = i == 2 ? .running : i == 1 ? .queued : .succeeded
                runsA.append(try await store.seedRun(of: a, at: day(-5).addingTimeInterval(Double(i)), status: status))
            }
            for i in 0..<2 { try await store.seedRun(of: b, at: day(-5).addingTimeInterval(Double(i))) }
            var runsC: [Run] = []
            for i in 0..<5 { runsC.append(try await store.seedRun(of: c, at: day(-5).addingTimeInterval(Double(i)), status: .failed)) }
            try await store.deleteJob(id: c.id, audit: auditLine(.jobDelete))

            // batch 2 makes job a span several batches, and resume inside it
            let report = try await pruner(f, testRetention(maxAge: nil, keep: 3, batch: 2)).runOnce()
            #expect(report.runsByCount == 4 + 0 + 2)
            #expect(report.runs == 6)
            #expect(report.runsByAge == 0)
            let leftA = try await store.allRuns(of: a).map(\.id)
            #expect(leftA == [runsA[1].id, runsA[2].id, runsA[6].id, runsA[7].id, runsA[8].id])
            #expect(try await store.allRuns(of: b).count == 2)
            let leftC = try await store.runs(RunQuery(jobId: c.id, limit: nil)).map(\.id)
            #expect(leftC == [runsC[4].id, runsC[3].id, runsC[2].id])
        }
    }

    @Test("keep 0 deletes every finished run; the default keeps 1,000")
    func keepZeroAndDefault() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j", nextRunAt: day(365)))
            for i in 0..<5 { try await store.seedRun(of: job, at: day(-2).addingTimeInterval(Double(i))) }
            let running = try await store.seedRun(of: job, at: day(-1), status: .running)
            #expect(Pruner.Configuration().keepPerJob == 1_000)
            #expect(Pruner.Configuration().maxAge == 30.0 * 86_400)
            #expect(try await pruner(f, Pruner.Configuration()).runOnce().runs == 0)
            let report = try await pruner(f, testRetention(maxAge: nil, keep: 0, batch: 2)).runOnce()
            #expect(report.runs == 5)
            #expect(try await store.allRuns(of: job).map(\.id) == [running.id])
        }
    }

    @Test("artifacts go with their run: rows, files and the run's directory; those of kept runs stay")
    func artifactsWithTheirRun() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j", nextRunAt: day(365)))
            let old = try await store.seedRun(of: job, at: day(-40), status: .running)
            let recent = try await store.seedRun(of: job, at: day(-1), status: .running)
            for run in [old, recent] {
                try await store.saveArtifact(SaveArtifactParams(runId: run.id, name: "small", contentType: "text/plain", data: Data("s".utf8), now: run.queuedAt))
                try await store.saveArtifact(SaveArtifactParams(runId: run.id, name: "large", contentType: "application/octet-stream", data: pseudoRandomBytes(300 * 1024), now: run.queuedAt))
                try await store.complete(run, .succeeded(), at: run.queuedAt)
            }
            let root = f.database.path + ".artifacts"
            #expect(filesUnder(root).count == 2)

            let report = try await pruner(f, testRetention()).runOnce()
            #expect(report.runs == 1)
            #expect(report.artifacts == 2)
            #expect(report.artifactFiles == 1)
            #expect(try await store.artifacts(runId: old.id).isEmpty)
            #expect(!FileManager.default.fileExists(atPath: "\(root)/\(job.id)/\(old.id)"))
            #expect(filesUnder(root).map { $0.hasPrefix("\(job.id)/\(recent.id)/") } == [true])
            #expect(try await store.artifact(runId: recent.id, name: "large")?.data == pseudoRandomBytes(300 * 1024))
            #expect(try await store.artifacts(runId: recent.id).count == 2)
        }
    }

    @Test("the last run of a job pruned removes the job's artifact directory too")
    func emptyDirectoriesGo() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j", nextRunAt: day(365)))
            let run = try await store.seedRun(of: job, at: day(-40), status: .running)
            try await store.saveArtifact(SaveArtifactParams(runId: run.id, name: "large", contentType: "application/octet-stream", data: pseudoRandomBytes(300 * 1024), now: run.queuedAt))
            try await store.complete(run, .succeeded(), at: run.queuedAt)
            let result = try await store.pruneRuns(before: day(-30), limit: 10)
            #expect(result == RunPruneResult(runs: 1, artifacts: 1, artifactFiles: 1))
            let root = f.database.path + ".artifacts"
            #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
        }
    }

    @Test("deliveries: only delivered, failed and dead ones older than maxAge; never pending")
    func deliveries() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            var kept: [String] = []
            kept.append(try f.seedDelivery(at: day(-60), status: .pending))
            for status in [DeliveryStatus.delivered, .failed, .dead, .delivered] { _ = try f.seedDelivery(at: day(-40), status: status) }
            kept.append(try f.seedDelivery(at: day(-10), status: .delivered))
            kept.append(try f.seedDelivery(at: day(-10), status: .dead))
            let report = try await pruner(f, testRetention(batch: 3)).runOnce()
            #expect(report.deliveries == 4)
            #expect(try f.ids("deliveries") == kept.sorted())
        }
    }

    @Test("audit entries older than maxAge go; newer ones stay")
    func audit() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            for i in 0..<5 { try f.seedAudit(at: day(-31).addingTimeInterval(Double(-i))) }
            try f.seedAudit(at: day(-29), action: "job.resume")
            try f.seedAudit(at: day(-1), action: "job.run_now")
            let report = try await pruner(f, testRetention(batch: 2)).runOnce()
            #expect(report.auditEntries == 5)
            let left = try await f.sqlite.auditEntries(AuditQuery(limit: nil)).map(\.action)
            #expect(left == ["job.run_now", "job.resume"])
        }
    }

    @Test("maxAge nil keeps everything by age")
    func noAgeLimit() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let job = try await f.sqlite.insert(makeJob("j", nextRunAt: day(365)))
            try await f.sqlite.seedRun(of: job, at: day(-400))
            _ = try f.seedDelivery(at: day(-400), status: .delivered)
            try f.seedAudit(at: day(-400))
            let report = try await pruner(f, testRetention(maxAge: nil, keep: 10)).runOnce()
            #expect(report.runs + report.deliveries + report.auditEntries == 0)
        }
    }

    @Test("space is given back: the database file shrinks after the pass")
    func reclaimsSpace() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j", nextRunAt: day(365)))
            let output = String(repeating: "x", count: 16 * 1024)
            for i in 0..<300 { try await store.seedRun(of: job, at: day(-40).addingTimeInterval(Double(i)), output: output) }
            try await store.seedRun(of: job, at: day(-1), output: "kept")
            // Copy the log into the file, so the file's size is the database's.
            let queue = try f.rawQueue()
            try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try queue.close()
            let before = fileSize(f.database.path)
            #expect(before > 4 * 1024 * 1024)

            var configuration = testRetention(batch: 50)
            configuration.reclaimPagesPerStep = 200
            let report = try await pruner(f, configuration).runOnce()
            #expect(report.runs == 300)
            #expect(report.pagesReclaimed > 1000)
            #expect(report.bytesAfter < report.bytesBefore / 4)
            let after = fileSize(f.database.path)
            #expect(after < before / 4, "database file \(before) → \(after) bytes")
            #expect(try await store.storageSize().freePages == 0)
            #expect(try await store.allRuns(of: job).map(\.output) == ["kept"])
            // Retention writes skip the automatic checkpoint (done aside); it is back on after.
            let autocheckpoint = try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
            #expect(autocheckpoint == 1000)
        }
    }

    @Test("leftover artifact files no artifact refers to are removed once older than the grace")
    func orphanFiles() async throws {
        try await StoreFixture.with(.sqliteFile) { f in
            let store = f.sqlite
            let job = try await store.insert(makeJob("j", nextRunAt: day(365)))
            let run = try await store.seedRun(of: job, at: day(-1), status: .running)
            let real = try await store.saveArtifact(
                SaveArtifactParams(runId: run.id, name: "large", contentType: "application/octet-stream", data: pseudoRandomBytes(300 * 1024), now: day(-1)))
            let root = f.database.path + ".artifacts"
            let dir = "\(root)/\(job.id)/\(run.id)"
            let oldOrphan = ulid(at: day(-1))
            let oldTemp = ulid(at: day(-1))
            let freshOrphan = ulid(at: t0.addingTimeInterval(-60))
            for name in [oldOrphan, ".\(oldTemp).tmp", freshOrphan, "not-ours.txt"] {
                #expect(FileManager.default.createFile(atPath: "\(dir)/\(name)", contents: Data("x".utf8)))
            }
            let removed = try await store.pruneOrphanArtifactFiles(before: t0.addingTimeInterval(-3600))
            #expect(removed == 2)
            #expect(Set(filesUnder(dir)) == Set([real.id, freshOrphan, "not-ours.txt"]))
            #expect(try await store.artifact(runId: run.id, name: "large")?.data == pseudoRandomBytes(300 * 1024))
        }
    }

    @Test("the scheduler runs the pruner after its initial delay, then every interval")
    func schedulerLoop() async throws {
        let h = try await EngineHarness.start(configure: { c in
            c.pruner?.initialDelay = 60
            c.pruner?.interval = 3600
            c.pruner?.pauseBetweenBatches = 0
        })
        let job = try await h.store.insert(makeJob("j", nextRunAt: EngineHarness.t0.addingTimeInterval(365 * 86_400)))
        for i in 0..<3 {
            try await h.store.seedRun(of: job, at: EngineHarness.t0.addingTimeInterval(-40 * 86_400 + Double(i)))
        }
        let recent = try await h.store.seedRun(of: job, at: EngineHarness.t0.addingTimeInterval(-86_400))

        h.advance(by: 60)
        let first = try await h.events.wait { if case .pruned = $0 { return true } else { return false } }
        guard case .pruned(let report) = first[0] else { throw FixtureError("expected a prune event") }
        #expect(report.runs == 3)
        #expect(try await h.store.allRuns(of: job).map(\.id) == [recent.id])

        // Thirty days later the recent run is old too: the next pass, one interval later, removes it.
        h.advance(by: 30 * 86_400)
        let second = try await h.events.wait(count: 2) { if case .pruned = $0 { return true } else { return false } }
        guard case .pruned(let later) = second[1] else { throw FixtureError("expected a prune event") }
        #expect(later.runs == 1)
        #expect(try await h.store.allRuns(of: job).isEmpty)
        try await h.stop()
    }

    @Test("pruning is off when the scheduler's pruner setting is nil")
    func schedulerLoopOff() async throws {
        let h = try await EngineHarness.start(configure: { c in c.pruner = nil })
        let job = try await h.store.insert(makeJob("j", nextRunAt: EngineHarness.t0.addingTimeInterval(365 * 86_400)))
        try await h.store.seedRun(of: job, at: EngineHarness.t0.addingTimeInterval(-40 * 86_400))
        h.advance(by: 7200)
        // A job due now proves the scheduler went past the instant a pass would have run.
        try await h.client.addJob(JobSpec(name: "probe", schedule: .every(seconds: 60, anchor: h.clock.now()), kind: "none"))
        h.advance(by: 60)
        try await h.events.finished()
        #expect(!h.events.all.contains { if case .pruned = $0 { return true } else { return false } })
        #expect(try await h.store.allRuns(of: job).count == 1)
        try await h.stop()
    }
}
