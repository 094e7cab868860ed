import Foundation
import GRDB

// Opening a file: a new one is given its schema before any pool touches it, an existing one is
// checked (and migrated when writable) through the pool. Decisions 0019 (read-only) and 0020
// (several processes at once).

extension SQLiteJobStore {
    /// Gives a new (empty, or created but never migrated) file its page settings, WAL mode and
    /// schema on a single connection, before a pool is opened on it.
    ///
    /// GRDB's pool writes a throwaway table when it finds no WAL: done before the schema, on a
    /// file without SchedulerKit's application id, that write could reach the file's header and
    /// make the file look like another application's. Everything here waits for other
    /// processes' locks up to the busy timeout, so processes that start together on one new path
    /// take turns: the first migrates, the others find it done.
    static func prepareNewFile(_ path: String, isEmpty: Bool, busyTimeout: Double) throws(SchedulerError) {
        var config = GRDB.Configuration()
        config.busyMode = .timeout(busyTimeout)
        config.foreignKeysEnabled = true
        config.label = "SchedulerKit.create"
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            try queue.writeWithoutTransaction { db in
                if isEmpty {
                    // Incremental vacuum can only be chosen before the first page is written.
                    try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                }
                if try SchemaState.read(db).isCurrent(schemaVersion) { return }
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                guard mode?.lowercased() == "wal" else {
                    throw SchedulerError(.storage, "database \(path) cannot be switched to WAL mode (journal mode \(mode ?? "?"))")
                }
                try migrate(db, path: path)
            }
        } catch {
            throw mapError(error, path: path)
        }
    }

    /// Refuses foreign and newer databases, then applies pending migrations under the write
    /// lock. A database already at this version is only read: opening it needs no write lock.
    static func migrateIfNeeded(_ pool: DatabasePool, path: String) throws {
        let found = try pool.read { db in try SchemaState.read(db) }
        try found.refuseUnusable(path: path, knownVersion: schemaVersion)
        if found.isCurrent(schemaVersion) { return }
        try pool.writeWithoutTransaction { db in try migrate(db, path: path) }
    }

    /// Refuses, when opening read-only, a database this build cannot read as it is: foreign,
    /// newer, without a schema yet, or older (migrating would be a write; decision 0019).
    static func checkReadable(_ pool: DatabasePool, path: String) throws {
        let found = try pool.read { db in try SchemaState.read(db) }
        try found.refuseUnusable(path: path, knownVersion: schemaVersion)
        if found.isCurrent(schemaVersion) { return }
        if found.applicationID == 0 {
            throw SchedulerError(
                .storage, "\(path) is not a SchedulerKit database yet (it has no schema)",
                remedy: .giveSchema)
        }
        throw SchedulerError(
            .storage, "\(path) has schema \(found.version) and this build reads schema \(schemaVersion)",
            remedy: .migrateDatabase)
    }
}
