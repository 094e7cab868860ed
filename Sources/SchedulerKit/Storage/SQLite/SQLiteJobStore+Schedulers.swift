import Foundation
import GRDB

extension SQLiteJobStore: SchedulerRegistry {
    public func registerScheduler(_ s: SchedulerInstance) async throws {
        try await write(notify: false) { db in
            try db.execute(
                sql: """
                    INSERT INTO scheduler_instances (id, host, pid, version, started_at, last_tick_at, tick_interval_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET host = excluded.host, pid = excluded.pid, version = excluded.version,
                        started_at = excluded.started_at, last_tick_at = excluded.last_tick_at,
                        tick_interval_ms = excluded.tick_interval_ms
                    """,
                arguments: [
                    s.id, s.host, Int64(s.pid), s.version, ms(s.startedAt), ms(s.lastTickAt),
                    Int64((s.tickInterval * 1000).rounded()),
                ])
        }
    }

    public func tickScheduler(id: String, at: Date) async throws -> Bool {
        try await write(notify: false) { db in
            try db.execute(sql: "UPDATE scheduler_instances SET last_tick_at = ? WHERE id = ?", arguments: [ms(at), id])
            return db.changesCount > 0
        }
    }

    public func removeScheduler(id: String) async throws {
        try await write(notify: false) { db in
            try db.execute(sql: "DELETE FROM scheduler_instances WHERE id = ?", arguments: [id])
        }
    }

    public func schedulers() async throws -> [SchedulerInstance] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM scheduler_instances ORDER BY started_at, id").map { row in
                SchedulerInstance(
                    id: row["id"], host: row["host"], pid: Int32(truncatingIfNeeded: row["pid"] as Int64),
                    version: row["version"], startedAt: date(ms: row["started_at"] as Int64),
                    lastTickAt: date(ms: row["last_tick_at"] as Int64),
                    tickInterval: Double(row["tick_interval_ms"] as Int64) / 1000)
            }
        }
    }
}
