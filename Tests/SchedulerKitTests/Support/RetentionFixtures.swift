import Foundation
import GRDB
import SchedulerKit

/// An id (run, delivery) whose time part is exactly `date`.
///
/// `ULID.generate(at:)` never goes back in time within a process, and tests in parallel run
/// clocks at different instants, so a generated id may carry a later instant than asked for.
/// Retention judges age by the id, so its tests make ids that say exactly when.
func ulid(at date: Date) -> String {
    let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    let suffix = String((0..<16).map { _ in alphabet[Int.random(in: 0..<32)] })
    return String(ULID.lowerBound(for: date).prefix(10)) + suffix
}

/// `t0` plus `days`.
func day(_ days: Double) -> Date { at(days * 86_400) }

extension JobStore {
    /// Inserts a run of `job` created at `date` in `status` (a running one leased to `workerA`),
    /// and returns it.
    @discardableResult
    func seedRun(of job: Job, at date: Date, status: RunStatus = .succeeded, output: String? = nil) async throws -> Run {
        var run = Run(
            id: RunID(ulid(at: date)), jobId: job.id, jobName: job.name, trigger: .manual, scheduledFor: date, status: status,
            queuedAt: date, output: output)
        if status == .running {
            run.startedAt = date
            run.leaseOwner = workerA
            run.leaseExpiresAt = date.addingTimeInterval(365 * 86_400)
        } else if status.isTerminal {
            run.startedAt = date
            run.finishedAt = date
        }
        try await enqueueRun(run, check: { _ in }, audit: nil)
        return run
    }
}

/// Pruner settings for tests: no pauses, small batches so that batching is exercised.
func testRetention(maxAge: Double? = 30 * 86_400, keep: Int? = nil, batch: Int = 2) -> Pruner.Configuration {
    var c = Pruner.Configuration()
    c.maxAge = maxAge
    c.keepPerJob = keep
    c.batchSize = batch
    c.pauseBetweenBatches = 0
    return c
}

extension StoreFixture {
    /// Inserts an outbox row created at `date` in `status`, behind the store's back.
    func seedDelivery(at date: Date, status: DeliveryStatus) throws -> String {
        let id = ulid(at: date)
        let queue = try rawQueue()
        defer { try? queue.close() }
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO deliveries (id, channel, event, target, payload, status, next_attempt_at, created_at, updated_at)
                    VALUES (?, 'webhook', 'run.failed', 'http://127.0.0.1:9/hook', '{}', ?, ?, ?, ?)
                    """,
                arguments: [id, status.rawValue, Int64(date.timeIntervalSince1970 * 1000), Int64(date.timeIntervalSince1970 * 1000), Int64(date.timeIntervalSince1970 * 1000)])
        }
        return id
    }

    /// Inserts an audit line written at `date`, behind the store's back.
    func seedAudit(at date: Date, action: String = "job.pause") throws {
        let queue = try rawQueue()
        defer { try? queue.close() }
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO audit_log (at, actor, action) VALUES (?, 'test', ?)",
                arguments: [Int64(date.timeIntervalSince1970 * 1000), action])
        }
    }

    /// Ids of the rows of `table`, sorted.
    func ids(_ table: String) throws -> [String] {
        let queue = try rawQueue(readonly: true)
        defer { try? queue.close() }
        return try queue.read { db in try String.fetchAll(db, sql: "SELECT CAST(id AS TEXT) FROM \(table) ORDER BY id") }
    }

    /// The SQLite store under test.
    var sqlite: SQLiteJobStore { store as! SQLiteJobStore }
}

/// The size of a file in bytes (0 when missing).
func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
}

/// `count` bytes of deterministic pseudo-random data.
func pseudoRandomBytes(_ count: Int, seed: UInt64 = 42) -> Data {
    var state = seed
    var out = [UInt8](repeating: 0, count: count)
    for i in 0..<count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        out[i] = UInt8(truncatingIfNeeded: state >> 33)
    }
    return Data(out)
}
