import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// A ``JobStore`` in one SQLite file, through GRDB: WAL, a busy timeout, foreign keys, and named,
/// ordered migrations.
///
/// For example:
/// ```swift
/// let store = try SQLiteJobStore(path: "/var/lib/app/jobs.sqlite")
/// let jobs = try await store.jobs(JobQuery(status: .active))
/// ```
///
/// Opening refuses, without modifying it, a file that is not a SchedulerKit database, is corrupt,
/// or carries a newer schema. A new file is created with mode 0600.
public final class SQLiteJobStore: JobStore {
    /// Settings of the connection.
    public struct Configuration: Sendable {
        /// How long a write waits for another process's lock before failing with `.busy` (seconds).
        public var busyTimeout: Double = 5
        /// `NORMAL` survives process crashes (kill -9) but may lose the last transactions on power
        /// loss; `FULL` survives both at the price of an fsync per commit.
        public var synchronousFull: Bool = false
        /// Reader connections at most (default 3): a scheduler reads little at a time; `list`
        /// needs one.
        public var maximumReaderCount = 3
        /// SQLite page cache per connection, in KiB (default 1024): hot pages of a scheduler's
        /// indexes fit; a larger cache only speeds up scans of big tables.
        public var cacheSizeKiB = 1024
        /// Writes the notifications of run transitions in the same transactions. `init()` (in
        /// Notifications, which sits above Storage) sets ``NotificationOutbox``.
        public var outbox: any OutboxPolicy
        /// Artifacts up to this many bytes are kept in the database; larger ones in files
        /// beside it (default 256 KiB).
        public var artifactInlineLimit = 256 * 1024
        /// The largest artifact accepted, in bytes (default 256 MiB).
        public var artifactSizeLimit = 256 * 1024 * 1024
        /// Opens an existing database for reading only (default false): a missing file is an
        /// error instead of a new database, nothing is ever written, and opening never waits for
        /// another process's write lock. A database older than this build is refused rather than
        /// migrated (decision 0019).
        public var readOnly = false
        /// The settings' defaults with `outbox` writing the notifications of run transitions.
        public init(outbox: any OutboxPolicy) {
            self.outbox = outbox
        }
    }

    /// The database file.
    public let path: String
    /// Opened with ``Configuration/readOnly``: every write fails with `.storage`.
    public let isReadOnly: Bool
    let pool: DatabasePool
    let outbox: any OutboxPolicy
    let artifactInlineLimit: Int
    let artifactSizeLimit: Int
    /// Bumped after each operator write, so an engine in this process wakes at once.
    public let localChanges = ChangeSignal()
    /// A connection of its own for checkpoints that must not hold up writes (retention); opened
    /// on first use.
    let checkpointConnection = Mutex<DatabaseQueue?>(nil)
    /// Writes of this store queued or running on GRDB's writer queue (see ``writeAtOnce(_:)``).
    let writesInFlight = Atomic<Int>(0)
    let busyTimeoutMilliseconds: Int

    /// Opens (creating and migrating when needed) the database at `path`; with
    /// ``Configuration/readOnly``, opens an existing one for reading only.
    ///
    /// Several processes may open a new file at the same moment: one creates and migrates it,
    /// the others wait for it (up to the busy timeout) and go on (decision 0020).
    ///
    /// - throws: `SchedulerError` with code `.storage` (missing when read-only, not ours, corrupt,
    ///   newer, unreadable, or older than this build when read-only) or `.busy`.
    public init(path: String, configuration: Configuration = Configuration()) throws(SchedulerError) {
        self.path = path
        self.outbox = configuration.outbox
        self.artifactInlineLimit = configuration.artifactInlineLimit
        self.artifactSizeLimit = configuration.artifactSizeLimit
        self.isReadOnly = configuration.readOnly
        self.busyTimeoutMilliseconds = Int((max(0, configuration.busyTimeout) * 1000).rounded())
        // Opening can meet SQLITE_BUSY without SQLite's busy handler being asked (another
        // process setting up or checkpointing the WAL of a new file at that instant): it is
        // tried again until the busy timeout has passed, as a held lock is waited for.
        let deadline = Date().addingTimeInterval(max(0, configuration.busyTimeout))
        var opened: DatabasePool?
        while opened == nil {
            do {
                opened = try Self.openOnce(path, configuration)
            } catch where error.code == .busy && Date() < deadline {
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        pool = opened!
    }

    /// Inspects, prepares, opens and checks or migrates the file: one attempt.
    private static func openOnce(_ path: String, _ configuration: Configuration) throws(SchedulerError) -> DatabasePool {
        let pool: DatabasePool
        let state: DatabaseFile.State
        if configuration.readOnly {
            state = try DatabaseFile.inspectExisting(path, knownVersion: schemaVersion)
        } else {
            try DatabaseFile.createIfMissing(path)
            state = try DatabaseFile.inspect(path, knownVersion: schemaVersion)
            if state == .new || state == .emptySQLite {
                try prepareNewFile(path, isEmpty: state == .new, busyTimeout: configuration.busyTimeout)
            }
        }
        var config = GRDB.Configuration()
        config.busyMode = .timeout(configuration.busyTimeout)
        config.readonly = configuration.readOnly
        config.foreignKeysEnabled = true
        config.label = "SchedulerKit"
        let synchronous = configuration.synchronousFull ? "FULL" : "NORMAL"
        let cacheSize = -max(64, configuration.cacheSizeKiB)
        config.maximumReaderCount = max(1, configuration.maximumReaderCount)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous); PRAGMA cache_size = \(cacheSize)")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw mapError(error, path: path)
        }
        do {
            if configuration.readOnly {
                try checkReadable(pool, path: path)
            } else {
                try migrateIfNeeded(pool, path: path)
            }
        } catch {
            try? pool.close()
            throw mapError(error, path: path)
        }
        return pool
    }

    /// Closes the connections. Further calls fail.
    public func close() throws {
        try checkpointConnection.withLock { connection in
            try connection?.close()
            connection = nil
        }
        try pool.close()
    }

    // MARK: - Access helpers

    /// Runs `body` in a write transaction, mapping every failure to `SchedulerError`.
    func write<T: Sendable>(notify: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result: T
        writesInFlight.add(1, ordering: .relaxed)
        defer { writesInFlight.subtract(1, ordering: .relaxed) }
        do {
            result = try await pool.write(body)
        } catch {
            throw Self.mapError(error, path: path)
        }
        if notify { localChanges.notify() }
        return result
    }

    /// Runs `body` in a write transaction on the calling thread when the write lock is free at
    /// once, else as ``write(notify:_:)`` does (on GRDB's writer queue, waiting up to the busy
    /// timeout).
    ///
    /// A short operator write (adding a job) costs little more than its SQLite work this way:
    /// going through the writer queue costs two thread hops, which on a loaded machine cost
    /// more than the transaction. The caller's thread never waits for a lock: the attempt uses
    /// no busy timeout, and is not made while another write of this store is in flight.
    func writeAtOnce<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if writesInFlight.load(ordering: .relaxed) == 0, let result = try attemptWrite(body) {
            localChanges.notify()
            return result
        }
        return try await write(body)
    }

    /// One `BEGIN IMMEDIATE` without waiting: nil when another connection holds the write lock.
    private func attemptWrite<T>(_ body: (Database) throws -> T) throws(SchedulerError) -> T? {
        let timeout = Int32(clamping: busyTimeoutMilliseconds)
        do {
            return try pool.writeWithoutTransaction { db -> T? in
                // The C call, not a PRAGMA statement: two fewer statements in every add.
                sqlite3_busy_timeout(db.sqliteConnection, 0)
                defer { sqlite3_busy_timeout(db.sqliteConnection, timeout) }
                do {
                    try db.execute(cached: "BEGIN IMMEDIATE")
                } catch let e as DatabaseError where e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED {
                    return nil
                }
                do {
                    // Only taking the lock must not wait: the transaction's own statements wait
                    // as every write does.
                    sqlite3_busy_timeout(db.sqliteConnection, timeout)
                    let result = try body(db)
                    try db.execute(cached: "COMMIT")
                    return result
                } catch {
                    if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK") }
                    throw error
                }
            }
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    /// Runs `body` in a read transaction, mapping every failure to `SchedulerError`.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.mapError(error, path: path)
        }
    }

    /// Turns GRDB and SQLite errors into the codes of ``SchedulerError``.
    static func mapError(_ error: any Error, path: String) -> SchedulerError {
        if let e = error as? SchedulerError { return e }
        guard let e = error as? DatabaseError else {
            return SchedulerError(.storage, "database \(path): \(error)")
        }
        switch e.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return SchedulerError(.busy, "database \(path) is locked by another process", hint: "try again")
        case .SQLITE_FULL:
            return SchedulerError(.storage, "database \(path): disk full")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return SchedulerError(.storage, "database \(path) is corrupt (\(e.message ?? "malformed"))", hint: "the file was left untouched")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
            return SchedulerError(.storage, "database \(path) cannot be written (\(e.message ?? "read-only"))")
        case .SQLITE_IOERR:
            return SchedulerError(.storage, "database \(path): I/O error (\(e.message ?? ""))")
        default:
            return SchedulerError(.storage, "database \(path): \(e.message ?? "\(e.resultCode)")")
        }
    }
}

