import Foundation
import SchedulerKit

/// `schedbench store-probe`: the store's own claim → complete cycle, no engine, to tell store
/// cost from engine cost (a diagnostic, not one of SPEC §8's figures).
enum StoreProbe {
    static func run(_ o: Options) async throws {
        let n = o.int("runs", 10_000)
        let batch = o.int("batch", 64)
        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteJobStore(path: dir.appendingPathComponent("probe.sqlite").path)
        let client = SchedulerClient(store: store)
        try await client.addJob(JobSpec(name: "p", schedule: .every(seconds: 86_400, anchor: Date()), kind: "noop"))
        let fill0 = ContinuousClock.now
        for _ in 0..<n { try await client.runJobNow("p") }
        let fill = seconds(ContinuousClock.now - fill0)
        var done = 0
        var claimTime = 0.0
        var completeTime = 0.0
        while done < n {
            let t0 = ContinuousClock.now
            let claimed = try await store.claimDueRuns(ClaimParams(now: Date(), owner: "probe/1/x", maxStart: batch))
            let t1 = ContinuousClock.now
            _ = try await store.completeRuns(claimed.started.map { CompleteRunParams(runId: $0.run.id, outcome: .succeeded(), now: Date()) })
            let t2 = ContinuousClock.now
            claimTime += seconds(t1 - t0)
            completeTime += seconds(t2 - t1)
            done += claimed.started.count
            if claimed.started.isEmpty { break }
        }
        emit([
            ("runs", .int(done)), ("enqueue_per_s", .int(Int(Double(n) / fill))),
            ("claim_us_per_run", round3(claimTime / Double(done) * 1e6)), ("complete_us_per_run", round3(completeTime / Double(done) * 1e6)),
            ("cycle_per_s", .int(Int(Double(done) / (claimTime + completeTime)))),
        ])
    }
}
