import Foundation
import SchedulerKit
import Testing

/// Reading declarative documents (SPEC §11): both text forms, every problem listed with its job
/// and field, and YAML that reads back as it was written.
@Suite("JobsDocument reading")
struct JobsDocumentReadingTests {
    static func decode(_ text: String, _ format: JobsDocument.Format = .yaml, environment: [String: String]? = nil) throws
        -> JobsDocument
    {
        try JobsDocument.decode(Data(text.utf8), format: format, environment: environment)
    }

    /// The problems a document is refused with, as their one-line descriptions.
    static func problems(_ text: String, _ format: JobsDocument.Format = .yaml, environment: [String: String]? = nil) -> [String] {
        do {
            _ = try JobsDocument.decode(Data(text.utf8), format: format, environment: environment)
            Issue.record("the document was accepted")
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func yamlWithDefaultsAndDurations() throws {
        let document = try Self.decode("""
            jobs:
              - name: backup
                schedule: {kind: cron, expression: "*/15 * * * *", timezone: Europe/Paris}
                command: [/usr/local/bin/backup, --full]
                timeout_seconds: 1h30m
                alerts:
                  - alert_type: webhook
                    target: https://hooks.example.com/x
                    on_timeout: false
              - name: tick
                schedule: {kind: every, seconds: 15m}
                command: ["true"]
                jitter_seconds: 0
              - name: once
                schedule: {kind: at, at: 2026-11-23T09:30:00Z}
                command: [echo, "30", "yes"]
            """)
        #expect(document.jobs.map(\.name) == ["backup", "tick", "once"])
        let backup = document.jobs[0]
        #expect(backup.schedule == .cron(expression: "*/15 * * * *", timezone: "Europe/Paris"))
        #expect(backup.timeoutSeconds == 5400)
        #expect(backup.maxConsecutiveErrors == 10)
        #expect(backup.overlap == .skip && backup.misfire == .runOnce)
        #expect(backup.alerts == [DeclaredAlert(alertType: .webhook, target: "https://hooks.example.com/x", onTimeout: false)])
        #expect(document.jobs[1].schedule == .every(seconds: 900, anchor: nil))
        #expect(document.jobs[1].jitterSeconds == 0)
        #expect(document.jobs[2].schedule == .at(ISO8601.parse("2026-11-23T09:30:00Z")!))
        // quoted scalars stay strings
        #expect(document.jobs[2].command == ["echo", "30", "yes"])
    }

    @Test func jsonAndYamlReadTheSame() throws {
        let json = """
            {"jobs": [{"name": "a", "schedule": {"kind": "every", "seconds": 60, "anchor": "2026-01-05T10:00:00.000Z"},
              "command": ["true"], "timeout_seconds": null, "max_consecutive_errors": 3, "overlap": "allow",
              "misfire": "skip", "jitter_seconds": 1.5, "state_webhook_url": null, "alerts": []}]}
            """
        let fromJSON = try Self.decode(json, .json)
        #expect(try Self.decode(json, .yaml) == fromJSON)
        #expect(JobsDocument.sniffFormat(Data("  \n{\"jobs\": []}".utf8)) == .json)
        #expect(JobsDocument.sniffFormat(Data("jobs: []".utf8)) == .yaml)
        #expect(fromJSON.jobs[0].jitterSeconds == 1.5 && fromJSON.jobs[0].overlap == .allow && fromJSON.jobs[0].misfire == .skip)
        // Codable goes through the same reader
        #expect(try JSONDecoder().decode(JobsDocument.self, from: Data(json.utf8)) == fromJSON)
    }

    @Test func everyProblemIsListedWithItsJobAndField() {
        let problems = Self.problems("""
            jobs:
              - name: bad-cron
                schedule: {kind: cron, expression: "61 * * * *", timezone: Mars/Olympus}
                command: ["true"]
              - name: bad-numbers
                schedule: {kind: every, seconds: 15x}
                command: ["true"]
                timeout_seconds: "soon"
                max_consecutive_errors: 0
                jitter_seconds: true
              - name: "bad name!"
                schedule: {kind: at, at: tomorrow}
                command: "true"
              - name: bad-url
                schedule: {kind: every, seconds: 60}
                command: ["true"]
                state_webhook_url: ftp://example.com/x
                colour: blue
                alerts:
                  - {alert_type: email, target: nobody}
                  - {alert_type: sms, target: "+1555"}
                  - {alert_type: webhook, target: "http://127.0.0.1:1/x", secret_env: HOOK_SECRET, on_failure: "no"}
              - name: bad-cron
                schedule: {kind: hourly}
                command: []
            """, environment: [:])
        let expected = [
            "job \"bad-cron\" (jobs[0]): schedule.timezone: \"Mars/Olympus\": unknown time zone",
            "job \"bad-cron\" (jobs[0]): schedule.expression: \"61 * * * *\": minute: \"61\"",
            "job \"bad-numbers\" (jobs[1]): schedule.seconds: \"15x\"",
            "job \"bad-numbers\" (jobs[1]): timeout_seconds: \"soon\"",
            "job \"bad-numbers\" (jobs[1]): jitter_seconds: expected a number of seconds",
            "job \"bad-numbers\" (jobs[1]): max_consecutive_errors: 0: must be at least 1",
            "job \"bad name!\" (jobs[2]): schedule.at: \"tomorrow\": not a time",
            "job \"bad name!\" (jobs[2]): command: expected a list of strings",
            "job \"bad name!\" (jobs[2]): name: \"bad name!\": character \" \" not allowed",
            "job \"bad-url\" (jobs[3]): colour: unknown key",
            "job \"bad-url\" (jobs[3]): alerts[1].alert_type: \"sms\": expected one of webhook, email",
            "job \"bad-url\" (jobs[3]): alerts[2].on_failure: expected true or false, found a string",
            "job \"bad-url\" (jobs[3]): state_webhook_url: \"ftp://example.com/x\": unsupported scheme \"ftp\"; expected http or https",
            "job \"bad-url\" (jobs[3]): alerts[0].target: \"nobody\": not an email address",
            "job \"bad-url\" (jobs[3]): alerts[2].secret_env: \"HOOK_SECRET\": not set in the environment",
            "job \"bad-cron\" (jobs[4]): schedule.kind: \"hourly\": unknown schedule kind",
            "job \"bad-cron\" (jobs[4]): command: empty",
            "job \"bad-cron\" (jobs[4]): name: \"bad-cron\": duplicate; jobs[0] has the same name",
        ]
        for line in expected {
            #expect(problems.contains { $0.hasPrefix(line) }, "missing: \(line)\nin:\n\(problems.joined(separator: "\n"))")
        }
        #expect(problems.count == expected.count, "\(problems.joined(separator: "\n"))")
    }

    @Test func aBadCronExpressionNamesTheCronField() {
        let problems = Self.problems("""
            jobs:
              - {name: a, schedule: {kind: cron, expression: "0 9 * * MON-FRX"}, command: ["true"]}
              - {name: b, schedule: {kind: cron, expression: "@reboot"}, command: ["true"]}
            """)
        #expect(problems.count == 2)
        #expect(problems[0].hasPrefix("job \"a\" (jobs[0]): schedule.expression: \"0 9 * * MON-FRX\": day-of-week: \"MON-FRX\""))
        #expect(problems[1].hasPrefix("job \"b\" (jobs[1]): schedule.expression: \"@reboot\""))
    }

    @Test func missingKeysAndTheDocumentItself() {
        #expect(Self.problems("jobs:\n  - {name: a}\n") == [
            "job \"a\" (jobs[0]): schedule: missing", "job \"a\" (jobs[0]): command: missing",
        ])
        #expect(Self.problems("") == ["empty document; expected jobs: [...]"])
        #expect(Self.problems("jobs: {}\n") == ["jobs: expected a list, found a mapping"])
        #expect(Self.problems("job: []\n").first == "missing key jobs; expected jobs: [...] (an empty list for no jobs)")
        #expect(Self.problems("jobs: [\n").first?.hasPrefix("YAML: line ") == true)
        #expect(Self.problems("{\"jobs\": [}", .json).first?.hasPrefix("JSON: ") == true)
        #expect(Self.problems("jobs:\n  - name: a\n    name: b\n").first?.hasPrefix("YAML: line") == true)
        #expect(Self.problems("{\"jobs\": [], \"extra\": 1}", .json) == ["extra: unknown key; expected jobs"])
        #expect(Self.problems("jobs:\n  - {name: a, schedule: {kind: every, seconds: 60}, command: [x], timeoutSeconds: 5}\n") == [
            "job \"a\" (jobs[0]): timeoutSeconds: unknown key; did you mean timeout_seconds?",
        ])
    }

    @Test func theEnvironmentIsCheckedOnlyWhenGiven() throws {
        let text = """
            jobs:
              - name: a
                schedule: {kind: every, seconds: 60}
                command: ["true"]
                alerts: [{alert_type: webhook, target: "https://example.com/h", secret_env: HOOK}]
            """
        #expect(try Self.decode(text).jobs[0].alerts[0].secretEnv == "HOOK")
        #expect(try Self.decode(text, environment: ["HOOK": "s3cret"]).jobs.count == 1)
        #expect(Self.problems(text, environment: ["HOOK": ""]) == [
            "job \"a\" (jobs[0]): alerts[0].secret_env: \"HOOK\": not set in the environment; export it with the webhook's secret",
        ])
    }

    /// Strings that plain YAML would read as numbers, booleans, null or times are quoted on the way out.
    @Test func yamlReadsBackWhatItWrote() throws {
        let tricky = ["30", "true", "yes", "null", "", "~", "1.5", "0x10", "2026-11-23", "*", "@daily", "- x", "a: b", "#x", "'q'", "\"dq\"", "é"]
        let document = JobsDocument(jobs: [
            DeclaredJob(
                name: "tricky", schedule: .cron(expression: "*/5 * * * *", timezone: "UTC"), command: ["/bin/echo"] + tricky,
                timeoutSeconds: 2.5, jitterSeconds: 0, stateWebhookURL: "http://127.0.0.1:9/state",
                alerts: [DeclaredAlert(alertType: .webhook, target: "https://example.com/h?a=1&b=2", onSystemError: false, secretEnv: "S")]),
            DeclaredJob(name: "macro", schedule: .cron(expression: "@daily", timezone: "Europe/Paris"), command: ["true"]),
            DeclaredJob(name: "every", schedule: .every(seconds: 90, anchor: ISO8601.parse("2026-01-05T10:00:00.123Z")), command: ["x"]),
            DeclaredJob(name: "at", schedule: .at(ISO8601.parse("2026-11-23T09:30:00Z")!), command: ["x"], overlap: .replace, misfire: .skip),
        ])
        let yaml = try document.text(.yaml)
        #expect(try Self.decode(yaml, .yaml) == document, "\(yaml)")
        let json = try document.text(.json)
        #expect(try Self.decode(json, .json) == document, "\(json)")
        // every key present, null when unset, in SPEC order
        #expect(yaml.contains("\n  timeout_seconds: null\n"), "\(yaml)")
        #expect(yaml.hasPrefix("jobs:\n- name: tricky\n  schedule:\n    kind: cron\n"), "\(yaml)")
        let encoded = try JSONEncoder().encode(document)
        #expect(try JSONDecoder().decode(JobsDocument.self, from: encoded) == document)
    }
}
