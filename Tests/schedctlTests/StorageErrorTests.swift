import Foundation
import GRDB
import Testing

@Suite("storage faults")
struct StorageErrorTests {
    private func expectRefusedUntouched(_ s: Sandbox, file: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let before = try #require(s.bytes(file))
        for args in [["list"], ["add", "x", "--every", "1m", "--", "true"], ["--json", "runs"]] {
            let r = try await s.run(["--db", file] + args)
            #expect(r.status == 74, "\(args): \(r)", sourceLocation: sourceLocation)
            expectOneErrorLine(r, sourceLocation: sourceLocation)
        }
        #expect(s.bytes(file) == before, "the file was modified", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: file + "-wal"), sourceLocation: sourceLocation)
    }

    @Test func textFileIsRefusedAndUntouched() async throws {
        let s = try Sandbox()
        let file = s.path("notes.txt")
        try Data("these are my notes, not a database\n".utf8).write(to: URL(fileURLWithPath: file))
        try await expectRefusedUntouched(s, file: file)
    }

    @Test func foreignSQLiteIsRefusedAndUntouched() async throws {
        let s = try Sandbox()
        let file = s.path("other.sqlite")
        try SQL.execute(file, "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO things (name) VALUES ('x')")
        try await expectRefusedUntouched(s, file: file)
    }

    @Test func newerSchemaIsRefusedAndUntouched() async throws {
        let s = try Sandbox()
        try await s.addJob("j")
        try SQL.execute(s.db, "PRAGMA user_version = 999")
        let r = try await s.sk("list")
        #expect(r.stderr.contains("newer"), "\(r)")
        try await expectRefusedUntouched(s, file: s.db)
    }

    @Test func corruptFileIsRefused() async throws {
        let s = try Sandbox()
        let file = s.path("corrupt.sqlite")
        var bytes = Data("SQLite format 3\0".utf8)
        bytes.append(Data(repeating: 0xAB, count: 4096))
        try bytes.write(to: URL(fileURLWithPath: file))
        try await expectRefusedUntouched(s, file: file)
    }

    @Test func lockedDatabaseExits75WithinTheBusyTimeout() async throws {
        let s = try Sandbox()
        try await s.addJob("j")
        let holder = try SQL.lockExclusively(s.db)
        let r = try await s.run(
            ["--db", s.db, "add", "k", "--every", "1m", "--", "true"], env: ["SCHEDCTL_BUSY_TIMEOUT": "0.5"], timeout: 60)
        try SQL.unlock(holder)
        #expect(r.status == 75, "\(r)")
        expectOneErrorLine(r)
        #expect(r.seconds < 30, "took \(r.seconds)s")
        // once the lock is gone the same command works
        #expect(try await s.sk("add", "k", "--every", "1m", "--", "true").status == 0)
    }
}

/// Synchronous GRDB access for setting up faults (kept out of async contexts on purpose).
enum SQL {
    static func execute(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
        try queue.close()
    }

    /// Holds the write lock of `path` from this process until `unlock`.
    static func lockExclusively(_ path: String) throws -> DatabaseQueue { try begin(path, "EXCLUSIVE") }

    /// Holds the write lock of `path` (an open `BEGIN IMMEDIATE`, nothing written yet) until `unlock`.
    static func holdWriteLock(_ path: String) throws -> DatabaseQueue { try begin(path, "IMMEDIATE") }

    /// Opens a connection to `path` and leaves a `BEGIN <kind>` transaction open on it.
    private static func begin(_ path: String, _ kind: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN \(kind)") }
        return queue
    }

    /// `PRAGMA schema_version`, which every schema change (even a table made and dropped) bumps.
    static func schemaCookie(_ path: String) throws -> Int {
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? -1 }
    }

    static func unlock(_ queue: DatabaseQueue) throws {
        try queue.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        try queue.close()
    }
}
