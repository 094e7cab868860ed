import Foundation
import GRDB
import SchedulerKit
import Synchronization

/// `schedbench prune [--runs N] [--jobs J] [--batch B] [--pause-ms P] [--reclaim-pages R]
/// [--claim-every-ms C] [--trace]`
///
/// Seeds N finished runs 31 to 90 days old over J jobs (raw GRDB, 50,000 rows per transaction;
/// 1 % with a 512-byte artifact), then runs one retention pass (`Pruner.runOnce()` with the
/// library's defaults unless overridden) while a concurrent loop claims a due slot every C ms
/// (default 10; an every-second job whose slot is always due, each claimed run then ended) and
/// times each `claimDueRuns`. Claims made during the pass are reported. `--trace` prints, on
/// stderr, each claim slower than 20 ms beside the store calls it overlapped, and per-verb timings.
enum PruneBenchmark {
    static func run(_ o: Options) async throws {
        let n = o.int("runs", 1_000_000)
        let jobCount = max(1, o.int("jobs", 100))
        var retention = Pruner.Configuration()
        retention.batchSize = o.int("batch", retention.batchSize)
        retention.pauseBetweenBatches = o.double("pause-ms", retention.pauseBetweenBatches * 1000) / 1000
        retention.reclaimPagesPerStep = o.int("reclaim-pages", retention.reclaimPagesPerStep)
        let claimEvery = o.double("claim-every-ms", 10)

        let dir = try scratchDirectory(o)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("prune.sqlite").path
        let store = try SQLiteJobStore(path: path)
        let now = Date()

        // Jobs whose runs are seeded (never due), and the one the claim loop serves.
        var jobs: [Job] = []
        for j in 0..<jobCount {
            let job = Job(
                id: .generate(at: now), name: "seeded-\(j)", schedule: .every(seconds: 86_400, anchor: now), kind: "noop",
                nextRunAt: now.addingTimeInterval(365 * 86_400), createdAt: now, updatedAt: now)
            try await store.insertJob(job, audit: AuditRecord(at: now, actor: "bench", action: .jobCreate))
            jobs.append(job)
        }
        let tick = Job(
            id: .generate(at: now), name: "tick", schedule: .every(seconds: 1, anchor: now), kind: "noop", nextRunAt: now,
            createdAt: now, updatedAt: now)
        try await store.insertJob(tick, audit: AuditRecord(at: now, actor: "bench", action: .jobCreate))

        let seedStart = ContinuousClock.now
        let artifacts = try seed(path: path, runs: n, jobs: jobs, now: now)
        let seedSeconds = seconds(ContinuousClock.now - seedStart)
        FileHandle.standardError.write(Data("seeded \(n) runs (\(artifacts) artifacts) in \(String(format: "%.1f", seedSeconds)) s\n".utf8))

        // The claim loop: one due slot per claim, ended at once (not timed).
        let stop = Mutex(false)
        let timed = TimedPrunableStore(store)
        let origin = timed.origin
        let claimer = Task { () -> [(at: Double, ms: Double)] in
            var latencies: [(at: Double, ms: Double)] = []
            var i = 0
            while !stop.withLock({ $0 }) {
                i += 1
                let slot = now.addingTimeInterval(Double(i))
                let start = ContinuousClock.now
                let result = try await store.claimDueRuns(ClaimParams(now: slot, owner: "bench/1/claimer", maxStart: 1))
                latencies.append((seconds(start - origin) * 1000, seconds(ContinuousClock.now - start) * 1000))
                for s in result.started {
                    _ = try await store.completeRun(CompleteRunParams(runId: s.run.id, outcome: .succeeded(), now: slot))
                }
                try await Task.sleep(for: .microseconds(Int(claimEvery * 1000)))
            }
            return latencies
        }

        let pruneStart = ContinuousClock.now
        let report = try await Pruner(store: timed, clock: SystemClock(), configuration: retention).runOnce()
        let pruneSeconds = seconds(ContinuousClock.now - pruneStart)
        stop.withLock { $0 = true }
        let claims = try await claimer.value
        let latencies = claims.map(\.ms)
        try store.close()
        if o.string("trace") != nil {
            // Slow claims beside the store calls that overlapped them.
            let calls = timed.calls.withLock { $0 }
            for c in claims where c.ms > 20 {
                let overlapping = calls.filter { $0.start < c.at + c.ms && $0.start + $0.ms > c.at - 1 }
                    .map { "\($0.verb) \(String(format: "%.1f", $0.ms))ms@\(String(format: "%.0f", $0.start - c.at))" }
                FileHandle.standardError.write(Data("claim \(String(format: "%.1f", c.ms)) ms at \(String(format: "%.0f", c.at)): \(overlapping.joined(separator: ", "))\n".utf8))
            }
        }
        if o.string("trace") != nil {
            let byVerb = Dictionary(grouping: timed.calls.withLock { $0 }, by: \.verb)
            for (verb, calls) in byVerb.sorted(by: { $0.key < $1.key }) {
                let ms = calls.map(\.ms)
                FileHandle.standardError.write(Data("\(verb): \(ms.count) calls, p50 \(String(format: "%.1f", percentile(ms, 50))) ms, p99 \(String(format: "%.1f", percentile(ms, 99))) ms, max \(String(format: "%.1f", ms.max() ?? 0)) ms\n".utf8))
            }
        }
        let worstCall = timed.calls.withLock { calls in
            Dictionary(grouping: calls, by: \.verb).mapValues { $0.map(\.ms).max() ?? 0 }
        }

        emit([
            ("runs", .int(n)),
            ("worst_claim_ms", round3(latencies.max() ?? 0)),
            ("p99_claim_ms", round3(percentile(latencies, 99))),
            ("p50_claim_ms", round3(percentile(latencies, 50))),
            ("claims", .int(latencies.count)),
            ("prune_seconds", round3(pruneSeconds)),
            ("pruned", .int(report.runs)),
            ("pruned_by_age", .int(report.runsByAge)),
            ("pruned_by_count", .int(report.runsByCount)),
            ("artifacts", .int(report.artifacts)),
            ("pages_reclaimed", .int(report.pagesReclaimed)),
            ("bytes_before", .int(report.bytesBefore)),
            ("bytes_after", .int(report.bytesAfter)),
            ("worst_batch_ms", round3(worstCall.filter { $0.key.hasPrefix("prune") }.values.max() ?? 0)),
            ("worst_reclaim_ms", round3(worstCall["reclaimSpace"] ?? 0)),
            ("batch", .int(retention.batchSize)),
            ("pause_ms", round3(retention.pauseBetweenBatches * 1000)),
            ("seed_seconds", round3(seedSeconds)),
        ])
    }

    /// Forwards to a store, timing every call (relative to `origin`, in ms).
    final class TimedPrunableStore: PrunableStore {
        struct Call: Sendable { var verb: String; var start: Double; var ms: Double }
        let base: SQLiteJobStore
        let origin = ContinuousClock.now
        let calls = Mutex<[Call]>([])
        init(_ base: SQLiteJobStore) { self.base = base }

        private func timed<T>(_ verb: String, _ body: () async throws -> T) async rethrows -> T {
            let start = ContinuousClock.now
            let result = try await body()
            let call = Call(verb: verb, start: seconds(start - origin) * 1000, ms: seconds(ContinuousClock.now - start) * 1000)
            calls.withLock { $0.append(call) }
            return result
        }
        func pruneRuns(before cutoff: Date, limit: Int) async throws -> RunPruneResult {
            try await timed("pruneRuns") { try await base.pruneRuns(before: cutoff, limit: limit) }
        }
        func pruneRunsBeyond(keep: Int, limit: Int, fromJob: JobID?) async throws -> RunPruneResult {
            try await timed("pruneRunsBeyond") { try await base.pruneRunsBeyond(keep: keep, limit: limit, fromJob: fromJob) }
        }
        func pruneDeliveries(before cutoff: Date, limit: Int) async throws -> Int {
            try await timed("pruneDeliveries") { try await base.pruneDeliveries(before: cutoff, limit: limit) }
        }
        func pruneAudit(before cutoff: Date, limit: Int) async throws -> Int {
            try await timed("pruneAudit") { try await base.pruneAudit(before: cutoff, limit: limit) }
        }
        func pruneOrphanArtifactFiles(before cutoff: Date) async throws -> Int {
            try await timed("pruneOrphanArtifactFiles") { try await base.pruneOrphanArtifactFiles(before: cutoff) }
        }
        func reclaimSpace(pages: Int) async throws -> Int {
            try await timed("reclaimSpace") { try await base.reclaimSpace(pages: pages) }
        }
        func storageSize() async throws -> StorageSize {
            try await timed("storageSize") { try await base.storageSize() }
        }
    }

    /// Inserts `runs` finished runs spread over 31 to 90 days before `now`, oldest first, with
    /// ids that carry their creation instant; every 100th gets a small artifact.
    static func seed(path: String, runs n: Int, jobs: [Job], now: Date) throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let newest = now.addingTimeInterval(-31 * 86_400)
        let span = 59.0 * 86_400 * 1000  // ms
        let oldestMs = Int64((newest.timeIntervalSince1970 * 1000) - span)
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
        func suffix(_ k: Int) -> String {
            var v = UInt64(k)
            var out = [UInt8](repeating: 48, count: 16)
            for i in stride(from: 15, through: 0, by: -1) {
                out[i] = alphabet[Int(v & 31)]
                v >>= 5
            }
            return String(decoding: out, as: UTF8.self)
        }
        let payload = Data(repeating: 0x61, count: 512)
        var artifacts = 0
        let chunk = 50_000
        var k = 0
        while k < n {
            let end = min(n, k + chunk)
            try queue.inTransaction { db in
                let insertRun = try db.makeStatement(sql: """
                    INSERT INTO runs (id, job_id, job_name, trigger, scheduled_for, attempt, status, queued_at, not_before,
                        started_at, finished_at, exit_code, error_type, error_code, error_message, output)
                    VALUES (?, ?, ?, 'schedule', ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertArtifact = try db.makeStatement(sql: """
                    INSERT INTO run_artifacts (id, run_id, job_id, name, content_type, size, sha256, data, created_at)
                    VALUES (?, ?, ?, 'report.txt', 'text/plain', 512, '0000000000000000000000000000000000000000000000000000000000000000', ?, ?)
                    """)
                for i in k..<end {
                    let t = oldestMs + Int64(Double(i) / Double(n) * span)
                    let id = String(ULID.lowerBound(for: Date(timeIntervalSince1970: Double(t) / 1000)).prefix(10)) + suffix(i)
                    let job = jobs[i % jobs.count]
                    let failed = i % 10 == 0
                    try insertRun.execute(arguments: [
                        id, job.id.rawValue, job.name, t, failed ? "failed" : "succeeded", t, t, t, t + 250,
                        failed ? 1 : 0, failed ? "user" : nil, failed ? "exit_nonzero" : nil, failed ? "exited with status 1" : nil,
                        failed ? "error: something went wrong\n" : "ok\n",
                    ])
                    if i % 100 == 0 {
                        try insertArtifact.execute(arguments: ["A" + id.dropFirst(), id, job.id.rawValue, payload, t])
                        artifacts += 1
                    }
                }
                return .commit
            }
            k = end
        }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        return artifacts
    }
}
