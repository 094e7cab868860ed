import Foundation
import GRDB
import Testing
@testable import SchedulerKit

/// The route of a run's end through the engine (``PendingEndings``): with the next claim, and by
/// the writer when that claim's transaction fails, on a real database.
@Suite("Run endings through the engine")
struct EndingRouteTests {
    @Test("an ending whose claim transaction fails is recorded by the writer, and claiming goes on")
    func failedClaimHandsItsEndingsToTheWriter() async throws {
        let gate = FirstOf<Bool>()
        let h = try await EngineHarness.start { s in
            s.register("gated") { _ in _ = await gate.wait() }
            s.register("ok") { _ in }
        }
        _ = try await h.client.addJob(JobSpec(name: "x", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "gated"))
        h.advance(by: 60)
        _ = try await h.events.started()
        // From now on every claim that would start a run of "y" fails as a whole transaction.
        try await Self.sql(h, """
            CREATE TRIGGER refuse_y BEFORE UPDATE OF status ON runs WHEN NEW.status = 'running' AND NEW.job_name = 'y'
            BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
            """)
        let y0 = try await h.client.addJob(JobSpec(name: "y", schedule: .every(seconds: 3600, anchor: EngineHarness.t0), kind: "ok"))
        _ = try await h.client.runJobNow(y0.id.rawValue)
        try await h.events.wait { if case .storeError = $0 { return true } else { return false } }
        let failuresBefore = h.events.all.filter { if case .storeError = $0 { return true } else { return false } }.count

        // x ends: its ending goes with the next claim, which fails (y is due), so the writer records it.
        gate.settle(true)
        let x = try await h.events.finished(where: { $0.jobName == "x" })
        #expect(x.map(\.status) == [.succeeded])
        let failuresAfter = h.events.all.filter { if case .storeError = $0 { return true } else { return false } }.count
        #expect(failuresAfter > failuresBefore, "the ending was in a claim that failed")
        let stored = try await h.store.run(id: x[0].id)
        #expect(stored?.status == .succeeded)
        #expect(try await Self.count(h, "SELECT COUNT(*) FROM runs WHERE job_name = 'y' AND status <> 'queued'") == 0, "no claim that started y committed")

        // The store recovers: the claim loop's backoff passes and y runs.
        try await Self.sql(h, "DROP TRIGGER refuse_y")
        let nudger = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                h.advance(by: 0.25)
            }
        }
        let y = try await h.events.finished(where: { $0.jobName == "y" })
        nudger.cancel()
        #expect(y.first?.status == .succeeded)
        #expect(h.events.finishedRuns.filter { $0.id == x[0].id }.count == 1, "x's ending was recorded once")
        try await h.stop()
    }

    static func sql(_ h: EngineHarness, _ sql: String) async throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        let raw = try DatabaseQueue(path: h.db.path, configuration: config)
        try await raw.write { try $0.execute(sql: sql) }
        try raw.close()
    }

    static func count(_ h: EngineHarness, _ sql: String) async throws -> Int {
        let raw = try DatabaseQueue(path: h.db.path)
        defer { try? raw.close() }
        return try await raw.read { try Int.fetchOne($0, sql: sql) ?? -1 }
    }
}
