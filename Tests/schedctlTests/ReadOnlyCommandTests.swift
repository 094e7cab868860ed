import Foundation
import GRDB
import Testing

/// Commands that only look (`list`, `check`, `show`, `runs`, …) open the database read-only: a
/// mistyped path is an error, not a new empty store, and another process's write lock never
/// holds them up (issue 13 item 7, decision 0019).
@Suite("read-only commands")
struct ReadOnlyCommandTests {
    static let readers: [[String]] = [
        ["list"], ["check"], ["metrics"], ["--json", "runs"], ["show", "j"], ["report", "j"], ["logs", "01J0000000000000000000000"],
        ["audit"], ["deliveries"], ["alerts", "list", "j"], ["artifacts", "01J0000000000000000000000"],
    ]

    @Test func aMissingDatabaseIsOneLineAndExit74AndIsNotCreated() async throws {
        let s = try Sandbox()
        let typo = s.path("tyop.sqlite")
        for args in Self.readers {
            let r = try await s.run(["--db", typo] + args)
            #expect(r.status == 74, "\(args): \(r)")
            expectOneErrorLine(r)
            #expect(r.stderr.contains("no database at \(typo)"), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: typo), "\(args) created \(typo)")
        }
        // nor the default location's directories
        let r = try await s.run(["list"])
        #expect(r.status == 74, "\(r)")
        #expect(!FileManager.default.fileExists(atPath: s.path(".local/share/schedctl")))
    }

    @Test func readersReturnPromptlyWhileAnotherProcessHoldsTheWriteLock() async throws {
        let s = try Sandbox()
        try await s.addJob("j")
        // Fold the WAL into the file, as after every process closed it, then hold the write
        // lock from this process: the WAL stays empty while the lock is held.
        try DatabaseQueue(path: s.db).close()
        let holder = try SQL.holdWriteLock(s.db)
        defer { try? SQL.unlock(holder) }
        for args in [["list"], ["check"], ["--json", "show", "j"], ["--json", "runs"], ["metrics"]] {
            let r = try await s.run(["--db", s.db] + args, env: ["SCHEDCTL_BUSY_TIMEOUT": "20"], timeout: 60)
            #expect(r.status == 0 || (args == ["check"] && r.status <= 2), "\(args): \(r)")
            #expect(r.seconds < 10, "\(args) took \(r.seconds)s: it waited for the write lock")
        }
        let listed = try await s.run(["--db", s.db, "list"], env: ["SCHEDCTL_BUSY_TIMEOUT": "20"])
        #expect(listed.stdout.contains("j"), "\(listed)")
    }

    @Test func readersLeaveTheDatabaseUnchanged() async throws {
        let s = try Sandbox()
        try await s.addJob("j")
        try DatabaseQueue(path: s.db).close()  // the file alone is the whole database
        let before = try #require(s.bytes(s.db))
        let cookie = try SQL.schemaCookie(s.db)
        for args in [["list"], ["check"], ["show", "j"], ["runs"], ["metrics"], ["audit"], ["report", "j"]] {
            let r = try await s.run(["--db", s.db] + args)
            #expect(r.status <= 2, "\(args): \(r)")
        }
        #expect(s.bytes(s.db) == before, "a read-only command modified the database file")
        #expect(try SQL.schemaCookie(s.db) == cookie, "a read-only command wrote to the database")
    }
}
