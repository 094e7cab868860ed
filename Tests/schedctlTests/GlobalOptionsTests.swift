import Foundation
import Testing

@Suite("global options and database location")
struct GlobalOptionsTests {
    @Test func dbBeforeOrAfterTheCommandName() async throws {
        let s = try Sandbox()
        #expect(try await s.run(["--db", s.db, "add", "a", "--every", "1m", "--", "true"]).status == 0)
        #expect(try await s.run(["add", "b", "--db", s.db, "--every", "1m", "--", "true"]).status == 0)
        #expect(try await s.run(["--db=\(s.db)", "add", "c", "--every", "1m", "--", "true"]).status == 0)
        for args in [["--db", s.db, "list"], ["list", "--db", s.db], ["--json", "--db", s.db, "list"], ["list", "--json", "--db=\(s.db)"]] {
            let r = try await s.run(args)
            #expect(r.status == 0, "\(args): \(r)")
            #expect(r.stdout.contains("a") && r.stdout.contains("b") && r.stdout.contains("c"))
        }
        let json = try await s.run(["--json", "--db", s.db, "list"])
        #expect(try json.jsonArray().map { $0["name"] as? String } == ["a", "b", "c"])
        #expect(!FileManager.default.fileExists(atPath: s.path(".local")), "the default database must not be used")
    }

    @Test func globalsBeforeNestedCommand() async throws {
        let s = try Sandbox()
        try await s.addJob("j")
        let r = try await s.run(["--json", "--db", s.db, "alerts", "list", "j"])
        #expect(r.status == 0, "\(r)")
        #expect(try r.jsonArray().isEmpty)
    }

    @Test func environmentVariableSelectsDatabase() async throws {
        let s = try Sandbox()
        let env = ["SCHEDCTL_DB": s.path("env.sqlite")]
        #expect(try await s.run(["add", "e", "--every", "1m", "--", "true"], env: env).status == 0)
        #expect(FileManager.default.fileExists(atPath: s.path("env.sqlite")))
        let listed = try await s.run(["--json", "list"], env: env)
        #expect(try listed.jsonArray().count == 1)
        // --db wins over SCHEDCTL_DB (list only reads: the --db database is made first)
        try s.store().close()
        let other = try await s.run(["--json", "--db", s.db, "list"], env: env)
        #expect(try other.jsonArray().isEmpty)
    }

    @Test func defaultDatabaseUnderHomeWithPrivateModes() async throws {
        let s = try Sandbox()
        let r = try await s.run(["add", "d", "--every", "1m", "--", "true"])
        #expect(r.status == 0, "\(r)")
        let file = s.path(".local/share/schedctl/schedctl.sqlite")
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(try mode(file) == 0o600)
        #expect(try mode(s.path(".local/share/schedctl")) == 0o700)
        #expect(try mode(s.path(".local")) == 0o700)
    }

    @Test func xdgDataHome() async throws {
        let s = try Sandbox()
        let r = try await s.run(["add", "d", "--every", "1m", "--", "true"], env: ["XDG_DATA_HOME": s.path("data")])
        #expect(r.status == 0, "\(r)")
        #expect(FileManager.default.fileExists(atPath: s.path("data/schedctl/schedctl.sqlite")))
        #expect(try mode(s.path("data/schedctl")) == 0o700)
    }

    @Test func newDatabaseIsPrivate() async throws {
        let s = try Sandbox()
        #expect(try await s.sk("add", "p", "--every", "1m", "--", "true").status == 0)
        #expect(try mode(s.db) == 0o600)
    }

    @Test func explicitPathInMissingDirectoryIsStorageError() async throws {
        let s = try Sandbox()
        let r = try await s.run(["--db", s.path("missing/dir/db.sqlite"), "list"])
        #expect(r.status == 74, "\(r)")
        expectOneErrorLine(r)
        #expect(!FileManager.default.fileExists(atPath: s.path("missing")))
    }

    @Test func helpExitsZeroWithFullHelp() async throws {
        let s = try Sandbox()
        for args in [["--help"], ["add", "--help"], ["help", "add"], ["--db", s.db, "list", "--help"], ["alerts", "add", "--help"]] {
            let r = try await s.run(args)
            #expect(r.status == 0, "\(args): \(r)")
            #expect(r.stdout.contains("USAGE"), "\(args): \(r)")
        }
        let add = try await s.run(["add", "--help"])
        for flag in ["--cron", "--every", "--at", "--misfire", "--retry", "--retry-delay", "--env", "--cwd", "--delete-after-run"] {
            #expect(add.stdout.contains(flag), "add --help lacks \(flag)")
        }
        #expect(!FileManager.default.fileExists(atPath: s.db))
    }

    @Test(arguments: [["bogus"], ["list", "--bogus"], ["list", "extra"], ["show"], ["alerts"], ["alerts", "frob"], ["--db"]])
    func parserErrorsAreOneLineUsageErrors(_ args: [String]) async throws {
        let s = try Sandbox()
        let r = try await s.run(args)
        if args == ["alerts"] {
            // a command group alone prints its help
            #expect(r.status == 0, "\(r)")
            return
        }
        #expect(r.status == 64, "\(args): \(r)")
        expectOneErrorLine(r)
    }

    @Test func badBusyTimeoutIsUsageError() async throws {
        let s = try Sandbox()
        let r = try await s.run(["--db", s.db, "list"], env: ["SCHEDCTL_BUSY_TIMEOUT": "soon"])
        #expect(r.status == 64, "\(r)")
        expectOneErrorLine(r)
    }
}

func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
}
