import Foundation
import GRDB
import SchedulerKit
import Testing

/// What ``SQLiteJobStore`` does with the file it is pointed at: creates it privately, refuses
/// (without touching) anything that is not a usable SchedulerKit database, and waits for a lock
/// only as long as its busy timeout.
@Suite("SQLiteJobStore files")
struct SQLiteJobStoreFileTests {
    @Test func newDatabaseFileIsPrivate() async throws {
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            try await store.insert(makeJob("first"))
            for path in [db.path, db.path + "-wal", db.path + "-shm"] where FileManager.default.fileExists(atPath: path) {
                let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
                #expect(mode & 0o777 == 0o600, "\(path) has mode \(String(mode, radix: 8))")
            }
            try store.close()
        }
    }

    @Test func reopeningKeepsTheData() async throws {
        try await TemporaryDatabase.with { db in
            let first = try SQLiteJobStore(path: db.path)
            let job = try await first.insert(makeJob("durable"))
            try first.close()
            let second = try SQLiteJobStore(path: db.path)
            #expect(try await second.job(id: job.id) == job)
            try second.close()
        }
    }

    @Test func missingDirectoryIsAStorageError() async throws {
        try await TemporaryDatabase.with { db in
            let error = #expect(throws: SchedulerError.self) { _ = try SQLiteJobStore(path: db.sibling("nope/jobs.sqlite")) }
            #expect(error?.code == .storage)
        }
    }

    /// Files the store must refuse with `.storage`, leaving them byte-for-byte as they were.
    enum Unusable: String, CaseIterable, Sendable {
        case textFile
        case foreignSQLite
        case newerSchema
        case shortHeader
        case truncatedDatabase
        case corruptHeader
        case corruptPages
    }

    @Test(arguments: Unusable.allCases)
    func unusableFilesAreRefusedAndLeftUntouched(file: Unusable) async throws {
        try await TemporaryDatabase.with { db in
            try await Self.prepare(file, at: db.path)
            let before = try Data(contentsOf: URL(fileURLWithPath: db.path))
            let filesBefore = try FileManager.default.contentsOfDirectory(atPath: db.directory.path).sorted()

            let error = #expect(throws: SchedulerError.self, "\(file) was opened") {
                let store = try SQLiteJobStore(path: db.path)
                try? store.close()
            }
            #expect(error?.code == .storage)
            #expect(error?.message.isEmpty == false)

            let after = try Data(contentsOf: URL(fileURLWithPath: db.path))
            #expect(after == before, "\(file) was modified")
            let filesAfter = try FileManager.default.contentsOfDirectory(atPath: db.directory.path).sorted()
            #expect(filesAfter == filesBefore, "\(file): files appeared beside it")
        }
    }

    /// Writes an unusable file of the given sort at `path`.
    static func prepare(_ file: Unusable, at path: String) async throws {
        let url = URL(fileURLWithPath: path)
        switch file {
        case .textFile:
            try Data(String(repeating: "not a database, just some notes\n", count: 20).utf8).write(to: url)
        case .foreignSQLite:
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine')")
            }
            try queue.close()
        case .newerSchema:
            try await makeSchedulerKitDatabase(at: path)
            let queue = try DatabaseQueue(path: path)
            try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 99") }
            try queue.close()
        case .shortHeader:
            try await makeSchedulerKitDatabase(at: path)
            try truncate(path, to: 60)
        case .truncatedDatabase:
            try await makeSchedulerKitDatabase(at: path)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            try truncate(path, to: min(size / 2, 4096 + 1000))
        case .corruptHeader:
            try await makeSchedulerKitDatabase(at: path)
            // page size 3 is not a power of two: not a valid database
            try overwrite(path, at: 16, with: [0x00, 0x03])
        case .corruptPages:
            try await makeSchedulerKitDatabase(at: path)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            try overwrite(path, at: 4096, with: [UInt8](repeating: 0xA5, count: size - 4096))
        }
    }

    /// A closed SchedulerKit database with a few rows.
    static func makeSchedulerKitDatabase(at path: String) async throws {
        let store = try SQLiteJobStore(path: path)
        for i in 0..<20 { try await store.insert(makeJob("job-\(i)")) }
        _ = try await store.claimDueRuns(claim(at: at(0)))
        try store.close()
        // GRDB closes the pool's writer before its read-only readers, so the last connection to
        // close cannot checkpoint and the WAL stays (groue/GRDB.swift#739). One plain connection
        // folds it into the file and removes it, so the file alone is the whole database.
        try DatabaseQueue(path: path).close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    static func truncate(_ path: String, to size: Int) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(size))
        try handle.close()
    }

    static func overwrite(_ path: String, at offset: Int, with bytes: [UInt8]) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    // MARK: Locks

    @Test func aLockedDatabaseFailsWritesWithBusyAfterTheTimeout() async throws {
        try await StoreFixture.with(.sqliteFile, StoreOptions(busyTimeout: 0.3)) { fx in
            let store = fx.store
            try await store.insert(makeJob("before"))

            var configuration = GRDB.Configuration()
            configuration.allowsUnsafeTransactions = true
            let locker = try DatabaseQueue(path: fx.database.path, configuration: configuration)
            try await locker.writeWithoutTransaction { db in try db.execute(sql: "BEGIN EXCLUSIVE") }

            let clock = ContinuousClock()
            let started = clock.now
            await expectSchedulerError(.busy) { try await store.insert(makeJob("blocked")) }
            let waited = clock.now - started
            #expect(waited >= .milliseconds(250), "gave up after \(waited), before the busy timeout")
            #expect(waited < .seconds(30))
            // readers are not blocked by a writer in WAL mode
            #expect(try await store.jobs(JobQuery()).map(\.name) == ["before"])

            try await locker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            try locker.close()
            try await store.insert(makeJob("after"))
            #expect(try await store.jobs(JobQuery()).map(\.name) == ["after", "before"])
        }
    }

    // MARK: Migrations

    /// A file made by a build that used GRDB's migrator: `state_webhook_secret` applied and
    /// named in `grdb_migrations`, but `user_version` still 1. Opening it for writing upgrades
    /// it without applying that migration twice (decision 0020).
    @Test func aFileWhoseMigrationsAreNamedButUncountedIsUpgraded() async throws {
        try await TemporaryDatabase.with { db in
            let first = try SQLiteJobStore(path: db.path)
            _ = try await first.insert(makeJob("kept"))
            try first.close()
            let queue = try DatabaseQueue(path: db.path)
            try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 1") }
            try queue.close()

            let store = try SQLiteJobStore(path: db.path)
            #expect(try await store.jobs(JobQuery()).map(\.name) == ["kept"])
            try store.close()
            let check = try DatabaseQueue(path: db.path)
            defer { try? check.close() }
            let version = try await check.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
            // v1, state_webhook_secret, api_tokens, lean_add
            #expect(version == 4)
        }
    }
}
