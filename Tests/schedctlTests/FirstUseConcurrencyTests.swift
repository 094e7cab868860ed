import Foundation
import GRDB
import Testing

/// Several `schedctl` processes started at the same moment on a path where no database exists
/// yet: one creates and migrates it, the others wait for it and go on (issue 13 item 10,
/// decision 0020).
@Suite("first use under concurrency")
struct FirstUseConcurrencyTests {
    @Test func processesStartedTogetherOnANewPathAllSucceed() async throws {
        let s = try Sandbox()
        // Several rounds, each on a fresh path: the race is in the first milliseconds.
        for round in 0..<4 {
            let db = s.path("fresh-\(round).sqlite")
            let env = ["SCHEDCTL_BUSY_TIMEOUT": "30"]
            let results = try await withThrowingTaskGroup(of: ([String], CLIResult).self) { group in
                var commands: [[String]] = (0..<3).map { _ in ["daemon", "--for", "1s"] }
                commands += (0..<3).map { i in ["add", "job-\(i)", "--every", "1h", "--", "true"] }
                for args in commands {
                    group.addTask { (args, try await s.run(["--db", db] + args, env: env, timeout: 90)) }
                }
                var all: [([String], CLIResult)] = []
                for try await r in group { all.append(r) }
                return all
            }
            for (args, r) in results {
                #expect(r.status == 0, "round \(round), \(args): \(r)")
            }
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: db)[.posixPermissions] as? Int)
            #expect(mode & 0o777 == 0o600, "round \(round): mode \(String(mode, radix: 8))")
            let listed = try await s.run(["--db", db, "--json", "list"])
            #expect(listed.status == 0, "\(listed)")
            let names = try listed.jsonArray().compactMap { $0["name"] as? String }.sorted()
            #expect(names == ["job-0", "job-1", "job-2"], "round \(round)")
            try expectValidDatabase(db)
        }
    }

    /// The file passes SQLite's integrity check and carries SchedulerKit's application id.
    private func expectValidDatabase(_ path: String) throws {
        var config = Configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        defer { try? queue.close() }
        let read: (Database) throws -> (String?, Int32?, String?, Int?) = { db in
            (
                try String.fetchOne(db, sql: "PRAGMA integrity_check"), try Int32.fetchOne(db, sql: "PRAGMA application_id"),
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA auto_vacuum")
            )
        }
        let (integrity, applicationID, journal, vacuum) = try queue.read(read)
        #expect(integrity == "ok")
        #expect(applicationID == 0x5343_484B)
        #expect(journal == "wal")
        #expect(vacuum == 2, "incremental vacuum")
    }
}
