import Foundation
import GRDB
import Testing

@testable import SchedulerKit

/// The `lean_add` migration (decision 0033) on a file made by the build before it: the audit
/// trail keeps every entry with its id, new entries number on from the highest, and the
/// pages an add no longer writes are gone.
@Suite("SQLite lean_add migration")
struct SQLiteLeanAddMigrationTests {
    @Test func anOlderFileKeepsItsAuditTrailAndNumbersOn() async throws {
        try await TemporaryDatabase.with { db in
            let lean = try #require(SQLiteJobStore.migrations.firstIndex { $0.identifier == "lean_add" })
            // The file as the build before `lean_add` left it, with three audit entries.
            let old = try DatabaseQueue(path: db.path)
            try await old.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA journal_mode = WAL")
                try db.inTransaction {
                    for (index, migration) in SQLiteJobStore.migrations.enumerated() where index < lean {
                        try migration.apply(db)
                        try db.execute(sql: "PRAGMA user_version = \(index + 1)")
                    }
                    for (at, action) in [(1_000, "job.create"), (2_000, "job.pause"), (3_000, "job.resume")] {
                        try db.execute(
                            sql: "INSERT INTO audit_log (at, actor, action, job_id, job_name) VALUES (?, 'cli:ops', ?, 'J1', 'nightly')",
                            arguments: [at, action])
                    }
                    return .commit
                }
            }
            let before = try old.read { db in try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id") }
            #expect(before.count == 3)
            try old.close()

            let store = try SQLiteJobStore(path: db.path)
            let kept = try await store.auditEntries(AuditQuery(limit: nil))
            #expect(kept.map(\.id) == [3, 2, 1])
            #expect(kept.map(\.action) == ["job.resume", "job.pause", "job.create"])
            #expect(kept.allSatisfy { $0.jobName == "nightly" && $0.actor == "cli:ops" })
            _ = try await store.insert(makeJob("after"))
            let newest = try await store.auditEntries(AuditQuery(limit: 1))
            #expect(newest.map(\.id) == [4])
            #expect(newest.first?.jobName == "after")
            try store.close()

            let check = try DatabaseQueue(path: db.path)
            defer { try? check.close() }
            try await check.read { db in
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'audit_log'") ?? ""
                #expect(!sql.contains("AUTOINCREMENT"))
                let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
                #expect(indexes.contains("audit_log_job") && indexes.contains("audit_log_at"))
                #expect(!indexes.contains("jobs_status"))
                #expect(try Int.fetchOne(db, sql: "PRAGMA user_version") == SQLiteJobStore.migrations.count)
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_sequence WHERE name = 'audit_log'") == 0)
            }
        }
    }
}
