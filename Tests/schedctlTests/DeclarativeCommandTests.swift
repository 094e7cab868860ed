import Foundation
import SchedulerKit
import Testing

/// `schedctl export` and `schedctl apply` as a user runs them: the real binary, real files,
/// a real pipe between two processes.
@Suite("export and apply")
struct DeclarativeCommandTests {
    static let document = """
        jobs:
          - name: backup
            schedule: {kind: cron, expression: "30 2 * * *", timezone: Europe/Paris}
            command: [/bin/echo, backup]
            timeout_seconds: 10m
            alerts:
              - {alert_type: webhook, target: "http://127.0.0.1:9/hook", secret_env: HOOK_SECRET}
          - name: tick
            schedule: {kind: every, seconds: 90}
            command: ["true"]
        """

    /// Runs `script` with `sh -c`, `$SCHEDCTL` naming the binary.
    static func shell(_ sandbox: Sandbox, _ script: String, env: [String: String] = [:]) async throws -> CLIResult {
        var env = env
        env["SCHEDCTL"] = try Sandbox.binary()
        return try await sandbox.run(["-c", script], env: env, executable: "/bin/sh")
    }

    @Test func exportPipedIntoApplyReproducesTheJobsAndAlerts() async throws {
        let sandbox = try Sandbox()
        try await sandbox.addJob("nightly", ["--cron", "0 3 * * 1-5", "--tz", "America/New_York"], command: ["/bin/sh", "-c", "echo 'a b'"])
        try await sandbox.addJob("often", ["--every", "1h30m"])
        var result = try await sandbox.sk("add", "once", "--at", "2030-01-01T00:00:00Z", "--timeout", "30s", "--max-errors", "2", "--overlap", "replace", "--jitter", "5s", "--state-webhook", "http://127.0.0.1:9/state", "--", "date")
        #expect(result.status == 0, "\(result)")
        result = try await sandbox.sk("alerts", "add", "nightly", "--webhook", "http://127.0.0.1:9/n", "--secret", "n-secret", "--on", "failure")
        #expect(result.status == 0, "\(result)")
        result = try await sandbox.sk("alerts", "add", "nightly", "--email", "ops@example.com")
        #expect(result.status == 0, "\(result)")

        let exported = try await sandbox.sk("export")
        #expect(exported.status == 0, "\(exported)")
        #expect(!exported.stdout.contains("n-secret") && !exported.stderr.contains("n-secret"))
        #expect(exported.stdout.contains("secret_env: SCHEDCTL_SECRET_NIGHTLY_ALERT1"))
        #expect(exported.stderr.contains("schedctl: note: job \"nightly\": alerts[0] is signed; set SCHEDCTL_SECRET_NIGHTLY_ALERT1"))

        let other = sandbox.path("other.sqlite")
        let piped = try await Self.shell(
            sandbox, "\"$SCHEDCTL\" --db \"$A\" export 2>/dev/null | \"$SCHEDCTL\" --db \"$B\" apply -f -",
            env: ["A": sandbox.db, "B": other, "SCHEDCTL_SECRET_NIGHTLY_ALERT1": "n-secret"])
        #expect(piped.status == 0, "\(piped)")
        #expect(piped.stdout.contains("create     nightly"), "\(piped)")
        #expect(piped.stdout.hasSuffix("applied: 3 created, 0 updated, 0 unchanged, 0 deleted\n"), "\(piped)")

        // the copy exports the same document, and holds the same secret
        let copied = try await sandbox.run(["--db", other, "export"])
        #expect(copied.stdout == exported.stdout, "\(copied)")
        let store = try SQLiteJobStore(path: other)
        defer { try? store.close() }
        let client = SchedulerClient(store: store)
        #expect(try await client.alerts("nightly").compactMap(\.secret) == ["n-secret"])
        #expect(try await client.job("once").nextRunAt == ISO8601.parse("2030-01-01T00:00:00Z"))
        let list = try await sandbox.run(["--db", other, "--json", "list"]).jsonArray()
        #expect(list.compactMap { $0["name"] as? String } == ["nightly", "often", "once"])
    }

    @Test func applyingTwiceLeavesEverythingUnchanged() async throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("jobs.yaml")
        try Self.document.write(toFile: file, atomically: true, encoding: .utf8)
        let env = ["HOOK_SECRET": "s"]
        let first = try await sandbox.run(["--db", sandbox.db, "apply", "-f", file], env: env)
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout == "create     backup\ncreate     tick\napplied: 2 created, 0 updated, 0 unchanged, 0 deleted\n", "\(first)")
        let before = try await sandbox.sk("--json", "list").jsonArray()
        let audit = try sandbox.count("audit_log")

        let second = try await sandbox.run(["--db", sandbox.db, "--json", "apply", "-f", file], env: env)
        #expect(second.status == 0, "\(second)")
        let plan = try second.jsonObject()
        #expect(plan["applied"] as? Bool == true && plan["dry_run"] as? Bool == false)
        let summary = try #require(plan["summary"] as? [String: Int])
        #expect(summary == ["create": 0, "update": 0, "unchanged": 2, "delete": 0])
        let jobs = try #require(plan["jobs"] as? [[String: Any]])
        #expect(jobs.map { $0["action"] as? String } == ["unchanged", "unchanged"])
        let after = try await sandbox.sk("--json", "list").jsonArray()
        #expect(after.map { "\($0["updated_at"] ?? "")\($0["next_run_at"] ?? "")" } == before.map { "\($0["updated_at"] ?? "")\($0["next_run_at"] ?? "")" })
        #expect(try sandbox.count("audit_log") == audit)

        let human = try await sandbox.run(["--db", sandbox.db, "apply", "-f", file], env: env)
        #expect(human.stdout.hasSuffix("nothing to change: 2 unchanged\n"), "\(human)")
    }

    @Test func aDryRunPrintsThePlanAndWritesNothing() async throws {
        let sandbox = try Sandbox()
        try await sandbox.addJob("old", ["--every", "1h"])
        let file = sandbox.path("jobs.yaml")
        try Self.document.replacingOccurrences(of: "secret_env: HOOK_SECRET", with: "on_timeout: false")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let audit = try sandbox.count("audit_log")
        let result = try await sandbox.sk("apply", "-f", file, "--dry-run", "--prune")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == """
            create     backup
            create     tick
            delete     old
            dry run: 2 to create, 0 to update, 0 unchanged, 1 to delete; nothing was written

            """, "\(result)")
        #expect(try sandbox.count("jobs") == 1 && sandbox.count("audit_log") == audit)
    }

    @Test func anInvalidFileExits65ListingEveryProblemAndWritesNothing() async throws {
        let sandbox = try Sandbox()
        let file = sandbox.path("bad.yaml")
        try """
            jobs:
              - name: ok
                schedule: {kind: every, seconds: 60}
                command: ["true"]
              - name: broken
                schedule: {kind: cron, expression: "0 25 * * *", timezone: Nowhere/City}
                command: [x]
                timeout: 5
                alerts: [{alert_type: webhook, target: "not a url", secret_env: UNSET_SECRET}]
              - name: ok
                schedule: {kind: every, seconds: 1w}
                command: [x]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await sandbox.sk("apply", "-f", file)
        #expect(result.status == 65, "\(result)")
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines == [
            "schedctl: \(file): job \"broken\" (jobs[1]): timeout: unknown key; did you mean timeout_seconds?",
            "schedctl: \(file): job \"broken\" (jobs[1]): schedule.timezone: \"Nowhere/City\": unknown time zone; expected an IANA name such as Europe/Paris or UTC",
            "schedctl: \(file): job \"broken\" (jobs[1]): schedule.expression: \"0 25 * * *\": hour: \"25\": 25 is out of range; expected 0-23",
            "schedctl: \(file): job \"broken\" (jobs[1]): alerts[0].target: \"not a url\": contains whitespace; percent-encode it as %20",
            "schedctl: \(file): job \"broken\" (jobs[1]): alerts[0].secret_env: \"UNSET_SECRET\": not set in the environment; export it with the webhook's secret",
            "schedctl: \(file): job \"ok\" (jobs[2]): schedule.seconds: \"1w\": unknown unit \"w\"; expected s, m, h or d",
            "schedctl: \(file): job \"ok\" (jobs[2]): name: \"ok\": duplicate; jobs[0] has the same name (names are unique)",
            "schedctl: \(file): 7 problems; nothing was written",
        ], "\(result)")
        #expect(result.stdout.isEmpty)
        // the database was not even created
        #expect(!FileManager.default.fileExists(atPath: sandbox.db))

        let stdin = try await Self.shell(sandbox, "echo 'jobs: [' | \"$SCHEDCTL\" --db \"$A\" apply -f -", env: ["A": sandbox.db])
        #expect(stdin.status == 65, "\(stdin)")
        #expect(stdin.stderr.hasPrefix("schedctl: stdin: YAML: line "), "\(stdin)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.db))
    }

    @Test func exportFormats() async throws {
        let sandbox = try Sandbox()
        try await sandbox.addJob("one", ["--every", "15m"])
        let json = try await sandbox.sk("export", "--format", "json")
        #expect(json.status == 0, "\(json)")
        let object = try json.jsonObject()
        let jobs = try #require(object["jobs"] as? [[String: Any]])
        #expect(jobs.count == 1)
        #expect(Set(jobs[0].keys) == [
            "name", "schedule", "command", "timeout_seconds", "max_consecutive_errors", "overlap", "misfire", "jitter_seconds",
            "state_webhook_url", "alerts",
        ])
        #expect((jobs[0]["schedule"] as? [String: Any])?["seconds"] as? Int == 900)
        #expect(try await sandbox.sk("--json", "export").stdout == json.stdout)
        let clash = try await sandbox.sk("--json", "export", "--format", "yaml")
        #expect(clash.status == 64 && clash.stderr.hasPrefix("schedctl: --json prints JSON"), "\(clash)")
        let yaml = try await sandbox.sk("export")
        #expect(yaml.stdout.hasPrefix("jobs:\n- name: one\n"), "\(yaml)")
        let missing = try await sandbox.sk("apply", "-f", sandbox.path("nope.yaml"))
        #expect(missing.status == 64, "\(missing)")
    }
}
