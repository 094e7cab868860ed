import Foundation
import Testing

@Suite("alerts")
struct AlertsCommandTests {
    @Test func addListRemove() async throws {
        let s = try Sandbox()
        let job = try await s.addJob("j")
        let add = try await s.sk("--json", "alerts", "add", "j", "--webhook", "https://hooks.example.com/a", "--secret", "s3cr3t-value", "--on", "failure,system_error")
        #expect(add.status == 0, "\(add)")
        let alert = try add.jsonObject()
        expectKeys(alert, required: Shapes.alert)
        #expect(alert["type"] as? String == "webhook")
        #expect(alert["target"] as? String == "https://hooks.example.com/a")
        #expect(alert["job_id"] as? String == job["id"] as? String)
        #expect(alert["on_failure"] as? Bool == true)
        #expect(alert["on_timeout"] as? Bool == false)
        #expect(alert["on_system_error"] as? Bool == true)
        #expect(alert["secret"] as? String == "***")
        #expect(Shapes.isUTCMillis(alert["created_at"]))

        let email = try await s.sk("--json", "alerts", "add", "j", "--email", "ops@example.com").jsonObject()
        #expect(isNull(email["secret"]))
        #expect(email["on_timeout"] as? Bool == true)

        let list = try await s.sk("--json", "alerts", "list", "j").jsonArray()
        #expect(list.count == 2)
        let human = try await s.sk("alerts", "list", "j")
        #expect(human.stdout.hasPrefix("ALERT"))
        #expect(human.stdout.contains("failure,system_error"))

        let id = try #require(alert["id"] as? String)
        let rm = try await s.sk("--json", "alerts", "rm", id)
        #expect(rm.status == 0, "\(rm)")
        #expect(try rm.jsonObject()["id"] as? String == id)
        #expect(try await s.sk("alerts", "rm", id).status == 3)
        #expect(try await s.sk("--json", "alerts", "list", "j").jsonArray().count == 1)
    }

    @Test func secretsAreNeverPrinted() async throws {
        let s = try Sandbox()
        try await s.addJob("j")
        let secret = "s3cr3t-value-42"
        var outputs: [CLIResult] = []
        outputs.append(try await s.sk("alerts", "add", "j", "--webhook", "https://hooks.example.com/a", "--secret", secret))
        // A password in the URL is refused (exit 65, with the reason), and not echoed either.
        let withCredentials = try await s.sk("--json", "alerts", "add", "j", "--webhook", "https://u:\(secret)@hooks.example.com/b")
        #expect(withCredentials.status == 65, "\(withCredentials)")
        #expect(withCredentials.stderr.contains("credentials in the URL are not supported"), "\(withCredentials)")
        #expect(!withCredentials.stdout.contains(secret) && !withCredentials.stderr.contains(secret))
        for args in [["show", "j"], ["--json", "show", "j"], ["alerts", "list", "j"], ["--json", "alerts", "list", "j"],
                     ["audit"], ["--json", "audit"], ["list"], ["--json", "list"]] {
            outputs.append(try await s.run(["--db", s.db] + args))
        }
        for r in outputs {
            #expect(r.status == 0, "\(r)")
            #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret), "secret printed: \(r)")
        }
    }

    @Test(arguments: [
        (["alerts", "add", "j"], Int32(64)),
        (["alerts", "add", "j", "--webhook", "https://x.example.com", "--email", "a@example.com"], 64),
        (["alerts", "add", "j", "--email", "a@example.com", "--secret", "x"], 64),
        (["alerts", "add", "j", "--email", "a@example.com", "--on", "failure,explosion"], 64),
        (["alerts", "add", "j", "--webhook", "ftp://x.example.com/a"], 65),
        (["alerts", "add", "j", "--webhook", "not a url"], 65),
        (["alerts", "add", "j", "--email", "not-an-address"], 65),
        (["alerts", "list"], 64),
    ] as [([String], Int32)])
    func badAlerts(_ args: [String], status: Int32) async throws {
        let s = try Sandbox()
        try await s.addJob("j")
        let before = try s.count("run_alerts")
        let r = try await s.run(["--db", s.db] + args)
        #expect(r.status == status, "\(args): \(r)")
        expectOneErrorLine(r)
        #expect(try s.count("run_alerts") == before)
    }
}
