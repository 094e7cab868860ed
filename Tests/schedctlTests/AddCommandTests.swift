import Foundation
import Testing

@Suite("add")
struct AddCommandTests {
    @Test func addsCronJobAndPrintsTheJobShape() async throws {
        let s = try Sandbox()
        let r = try await s.run(
            ["--db", s.db, "--json", "add", "backup", "--cron", "*/15 * * * *", "--tz", "Europe/Paris", "--timeout", "90s",
             "--max-errors", "3", "--overlap", "allow", "--", "/usr/bin/backup", "--full", "a b"])
        #expect(r.status == 0, "\(r)")
        let job = try r.jsonObject()
        expectKeys(job, required: Shapes.job)
        #expect(job["name"] as? String == "backup")
        #expect(job["status"] as? String == "active")
        #expect(job["command"] as? [String] == ["/usr/bin/backup", "--full", "a b"])
        #expect(job["timeout_seconds"] as? Int == 90)
        #expect(job["max_consecutive_errors"] as? Int == 3)
        #expect(job["consecutive_errors"] as? Int == 0)
        #expect(job["overlap"] as? String == "allow")
        let schedule = try #require(job["schedule"] as? [String: Any])
        #expect(schedule["kind"] as? String == "cron")
        #expect(schedule["expression"] as? String == "*/15 * * * *")
        #expect(schedule["timezone"] as? String == "Europe/Paris")
        #expect(Shapes.isUTCMillis(job["next_run_at"]))
        #expect(Shapes.isUTCMillis(job["created_at"]))
        #expect(Shapes.isUTCMillis(job["updated_at"]))
        #expect(isNull(job["last_run_at"]))
        #expect(isNull(job["last_run_status"]))
        #expect(stdoutHasNoNullDrops(r.stdout, keys: ["last_run_at", "last_run_status"]))
    }

    @Test func everyAndAtSchedules() async throws {
        let s = try Sandbox()
        let every = try await s.addJob("tick", ["--every", "1h30m"])
        let es = try #require(every["schedule"] as? [String: Any])
        #expect(es["kind"] as? String == "every")
        #expect(es["seconds"] as? Int == 5400)
        #expect(Shapes.isUTCMillis(es["anchor"]))
        #expect(isNull(every["timeout_seconds"]))

        let cron = try await s.addJob("c", ["--cron", "*/5 * * * *"])
        #expect((cron["schedule"] as? [String: Any])?["timezone"] as? String == "UTC")

        let at = try await s.addJob("once", ["--at", "2099-01-02T03:04:05+01:00", "--delete-after-run"])
        let ats = try #require(at["schedule"] as? [String: Any])
        #expect(ats["kind"] as? String == "at")
        #expect(ats["at"] as? String == "2099-01-02T02:04:05.000Z")
        #expect(at["next_run_at"] as? String == "2099-01-02T02:04:05.000Z")
        #expect(at["delete_after_run"] as? Bool == true)
    }

    @Test func humanLineNamesJobAndNextRun() async throws {
        let s = try Sandbox()
        let r = try await s.sk("add", "backup", "--at", "2099-01-01T00:00:00Z", "--", "echo", "hi")
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.hasPrefix("added job backup ("))
        #expect(r.stdout.contains("next run in "))
        #expect(r.stdout.contains("(2099-01-01T00:00:00Z)"))
        #expect(r.stderr.isEmpty)
    }

    @Test func extraOptionsAreStored() async throws {
        let s = try Sandbox()
        let r = try await s.run(
            ["--db", s.db, "--json", "add", "x", "--every", "5m", "--misfire", "skip", "--jitter", "10s", "--retry", "2",
             "--retry-delay", "30s", "--env", "TOKEN=hunter2", "--env", "A=b=c", "--cwd", "sub/dir",
             "--state-webhook", "https://hooks.example.com/x", "--state-webhook-secret", "pw-s3cret", "--", "env"])
        #expect(r.status == 0, "\(r)")
        let job = try r.jsonObject()
        #expect(job["misfire"] as? String == "skip")
        #expect(job["jitter_seconds"] as? Int == 10)
        let retry = try #require(job["retry"] as? [String: Any])
        #expect(retry["max_attempts"] as? Int == 3)
        #expect(retry["initial_delay_seconds"] as? Int == 30)
        #expect(job["env"] as? [String] == ["A", "TOKEN"])
        #expect((job["working_directory"] as? String)?.hasSuffix("/sub/dir") == true)
        #expect(job["state_webhook_url"] as? String == "https://hooks.example.com/x")
        #expect(job["state_webhook_secret"] as? String == "***")
        #expect(!r.stdout.contains("hunter2"))
        #expect(!r.stdout.contains("pw-s3cret"))
        let show = try await s.sk("show", "x")
        #expect(!show.stdout.contains("hunter2"))
        #expect(show.stdout.contains("A, TOKEN (values hidden)"))
        #expect(show.stdout.contains("signed (secret ***)"), "\(show)")
        for args in [["--json", "show", "x"], ["list"], ["--json", "list"], ["audit"], ["--json", "audit"]] {
            let out = try await s.run(["--db", s.db] + args)
            #expect(out.status == 0, "\(out)")
            #expect(!out.stdout.contains("pw-s3cret") && !out.stderr.contains("pw-s3cret"), "secret printed: \(out)")
        }
    }

    @Test func stateWebhookWithCredentialsIsRefusedWithTheReason() async throws {
        let s = try Sandbox()
        try await s.addJob("existing")
        let r = try await s.sk("add", "x", "--every", "5m", "--state-webhook", "https://bot:pw-s3cret@hooks.example.com/x", "--", "true")
        #expect(r.status == 65, "\(r)")
        #expect(r.stderr.hasPrefix("schedctl: state-webhook: "), "\(r)")
        #expect(r.stderr.contains("credentials"), "\(r)")
        #expect(!r.stderr.contains("pw-s3cret"), "\(r)")
        let secretAlone = try await s.sk("add", "y", "--every", "5m", "--state-webhook-secret", "s", "--", "true")
        #expect(secretAlone.status == 64, "\(secretAlone)")
        #expect(try await s.sk("--json", "list").jsonArray().count == 1)
    }

    @Test func takenNameIsRefused() async throws {
        let s = try Sandbox()
        try await s.addJob("dup")
        let r = try await s.sk("add", "dup", "--every", "1m", "--", "true")
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix("schedctl: "))
        #expect(r.stderr.contains("already exists"))
    }

    static let usageErrors: [[String]] = [
        ["add", "x", "--", "true"],  // no schedule
        ["add", "x", "--cron", "* * * * *", "--every", "1m", "--", "true"],  // two schedules
        ["add", "x", "--every", "1m", "--at", "2099-01-01T00:00:00Z", "--", "true"],
        ["add", "x", "--every", "1m", "--tz", "UTC", "--", "true"],  // --tz without --cron
        ["add", "x", "--every", "1m"],  // no command
        ["add", "x", "--every", "1m", "--"],  // empty command
        ["add", "x", "--every", "1m", "echo", "hi"],  // command without --
        ["add", "--every", "1m", "--", "true"],  // no name... "true" is not a name position
        ["add", "x", "--every", "1m", "--bogus", "--", "true"],  // unknown option
        ["add", "x", "--every", "1m", "--overlap", "sometimes", "--", "true"],  // bad choice
        ["add", "x", "--every", "1m", "--misfire", "never", "--", "true"],
        ["add", "x", "--every", "1m", "--max-errors", "zero", "--", "true"],
        ["add", "x", "--every", "1m", "--max-errors", "0", "--", "true"],
        ["add", "x", "--every", "1m", "--delete-after-run", "--", "true"],
        ["add", "x", "--every", "1m", "--retry-delay", "5s", "--", "true"],
        ["add", "x", "--cron"],  // missing value
    ]

    @Test(arguments: usageErrors)
    func usageErrorsExit64AndCreateNothing(_ args: [String]) async throws {
        let s = try Sandbox()
        let r = try await s.run(["--db", s.db] + args)
        #expect(r.status == 64, "\(args): \(r)")
        expectOneErrorLine(r)
        #expect(r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: s.db), "a usage error must not create the database")
    }

    static let badData: [([String], String)] = [
        (["--cron", "x * * * *"], "cron"),
        (["--cron", "* * * *"], "cron"),
        (["--cron", "*/5 * * * *", "--tz", "Mars/Olympus_Mons"], "Mars/Olympus_Mons"),
        (["--every", "5 minutes"], "every"),
        (["--every", "0s"], "every"),
        (["--every", "1m", "--timeout", "soon"], "timeout"),
        (["--every", "1m", "--jitter", "3x"], "jitter"),
        (["--at", "tomorrow"], "tomorrow"),
        (["--at", "2026-11-23T09:30:00"], "at"),  // no zone
        (["--at", "2026-02-30T09:30:00Z"], "at"),
        (["--every", "1m", "--state-webhook", "ftp://example.com/x"], "state-webhook"),
        (["--every", "1m", "--env", "NOEQUALS"], "env"),
    ]

    @Test(arguments: badData)
    func badInputExits65AndWritesNothing(_ options: [String], mentions: String) async throws {
        let s = try Sandbox()
        try await s.addJob("existing")
        let jobs = try s.count("jobs")
        let audit = try s.count("audit_log")
        let r = try await s.run(["--db", s.db, "add", "newjob"] + options + ["--", "true"])
        #expect(r.status == 65, "\(options): \(r)")
        expectOneErrorLine(r)
        #expect(r.stderr.contains(mentions), "\(r.stderr)")
        #expect(try s.count("jobs") == jobs)
        #expect(try s.count("audit_log") == audit)
    }

    @Test(arguments: ["-bad", "with space", "ünï", String(repeating: "a", count: 129), "a/b"])
    func badNameExits65AndCreatesNoDatabase(_ name: String) async throws {
        let s = try Sandbox()
        let r = try await s.run(["--db", s.db, "add", name, "--every", "1m", "--", "true"])
        // "-bad" looks like an option to the parser: a usage error is fine there.
        #expect(r.status == (name == "-bad" ? 64 : 65), "\(r)")
        expectOneErrorLine(r)
        #expect(!FileManager.default.fileExists(atPath: s.db))
    }

    @Test func commandAfterTerminatorIsTakenVerbatim() async throws {
        let s = try Sandbox()
        let job = try await s.addJob("raw", command: ["sh", "-c", "echo --db x --json", "--", "--every"])
        #expect(job["command"] as? [String] == ["sh", "-c", "echo --db x --json", "--", "--every"])
    }
}

/// An error is exactly one line on stderr starting `schedctl: `, and no stack trace.
func expectOneErrorLine(_ r: CLIResult, sourceLocation: SourceLocation = #_sourceLocation) {
    let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 2 && lines[1].isEmpty, "stderr must be one line: \(r.stderr)", sourceLocation: sourceLocation)
    #expect(r.stderr.hasPrefix("schedctl: "), "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"), sourceLocation: sourceLocation)
}

/// The raw text carries explicit nulls (not dropped keys).
func stdoutHasNoNullDrops(_ text: String, keys: [String]) -> Bool {
    keys.allSatisfy { text.contains("\"\($0)\": null") }
}
