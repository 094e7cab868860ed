import Foundation
import GRDB
import SchedulerKit
import Testing

/// ``SQLiteJobStore`` opened with `readOnly`: what observe-only tools get (decision 0019).
@Suite("SQLiteJobStore read-only")
struct SQLiteJobStoreReadOnlyTests {
    static func readOnly(_ path: String, busyTimeout: Double = 5) throws -> SQLiteJobStore {
        var configuration = SQLiteJobStore.Configuration()
        configuration.readOnly = true
        configuration.busyTimeout = busyTimeout
        return try SQLiteJobStore(path: path, configuration: configuration)
    }

    @Test func aMissingFileIsAStorageErrorAndIsNotCreated() async throws {
        try await TemporaryDatabase.with { db in
            let error = #expect(throws: SchedulerError.self) { _ = try Self.readOnly(db.path) }
            #expect(error?.code == .storage)
            #expect(error?.message == "no database at \(db.path)")
            #expect(!FileManager.default.fileExists(atPath: db.path))
        }
    }

    @Test func readsWhatAWritableStoreWroteAndRefusesToWrite() async throws {
        try await TemporaryDatabase.with { db in
            let writer = try SQLiteJobStore(path: db.path)
            let job = try await writer.insert(makeJob("kept"))
            try writer.close()
            let store = try Self.readOnly(db.path)
            #expect(store.isReadOnly)
            #expect(try await store.job(id: job.id) == job)
            await expectSchedulerError(.storage) { try await store.insert(makeJob("other")) }
            #expect(try await store.jobs(JobQuery()).map(\.name) == ["kept"])
            try store.close()
        }
    }

    @Test func opensAndReadsPromptlyWhileAnotherConnectionHoldsTheWriteLock() async throws {
        try await TemporaryDatabase.with { db in
            let writer = try SQLiteJobStore(path: db.path)
            _ = try await writer.insert(makeJob("j"))
            try writer.close()
            try DatabaseQueue(path: db.path).close()  // no WAL left: the worst case for opening

            var configuration = GRDB.Configuration()
            configuration.allowsUnsafeTransactions = true
            let locker = try DatabaseQueue(path: db.path, configuration: configuration)
            try await locker.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }

            let clock = ContinuousClock()
            let started = clock.now
            // A store that waited for the write lock would wait out its busy timeout (120 s);
            // the bound is half of it, so a starved full run on 2 busy cores still passes.
            let store = try Self.readOnly(db.path, busyTimeout: 120)
            #expect(try await store.jobs(JobQuery()).map(\.name) == ["j"])
            let waited = clock.now - started
            #expect(waited < .seconds(60), "waited \(waited) for the write lock")
            try store.close()
            try await locker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
            try locker.close()
        }
    }

    @Test func anOlderSchemaIsRefusedNotMigrated() async throws {
        try await TemporaryDatabase.with { db in
            let writer = try SQLiteJobStore(path: db.path)
            _ = try await writer.insert(makeJob("j"))
            try writer.close()
            let queue = try DatabaseQueue(path: db.path)
            let current = try await queue.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
            try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = \(current - 1)") }
            try queue.close()
            let before = try Data(contentsOf: URL(fileURLWithPath: db.path))

            let error = #expect(throws: SchedulerError.self) { _ = try Self.readOnly(db.path) }
            #expect(error?.code == .storage)
            #expect(error?.message.contains("has schema \(current - 1)") == true, "\(String(describing: error))")
            #expect(try Data(contentsOf: URL(fileURLWithPath: db.path)) == before)
        }
    }

    @Test func anEmptyFileIsRefused() async throws {
        try await TemporaryDatabase.with { db in
            #expect(FileManager.default.createFile(atPath: db.path, contents: nil))
            let error = #expect(throws: SchedulerError.self) { _ = try Self.readOnly(db.path) }
            #expect(error?.code == .storage)
            let after = try Data(contentsOf: URL(fileURLWithPath: db.path))
            #expect(after.isEmpty)
        }
    }
}
