import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchedulerKit
import SchedulerKitHTTP
import Testing

/// `/api/v1/jobs…`: the §6 shapes, strict decoding (400), the CLI's messages (422), the
/// lifecycle rules of §1 (409), and nothing written on error.
@Suite("Jobs API")
struct JobsAPITests {
    @Test("POST /jobs creates a shell job and answers 201 with the §6 job")
    func create() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.app().test(.router) { client in
            let body = #"""
                {"name":"backup","schedule":{"kind":"cron","expression":"0 3 * * *","timezone":"Europe/Paris"},
                 "command":["/usr/bin/backup","--full"],"timeout_seconds":60,"max_consecutive_errors":3,"overlap":"allow",
                 "misfire":"skip","jitter_seconds":5,"state_webhook_url":"https://hooks.example/state","state_webhook_secret":"s3cret"}
                """#
            let r = try await client.execute(uri: "/api/v1/jobs", method: .post, headers: h.jsonAuth(.operator), body: body.buffer)
            #expect(r.status == .created)
            let job = try r.body.json
            for key in ["id", "name", "status", "schedule", "command", "timeout_seconds", "max_consecutive_errors", "consecutive_errors",
                "overlap", "next_run_at", "last_run_at", "last_run_status", "created_at", "updated_at"] {
                #expect(job[key] != nil, "missing \(key)")
            }
            #expect(job["name"] == "backup")
            #expect(job["schedule"]?["kind"] == "cron")
            #expect(job["schedule"]?["timezone"] == "Europe/Paris")
            #expect(job["command"] == .array(["/usr/bin/backup", "--full"]))
            #expect(job["overlap"] == "allow")
            #expect(job["misfire"] == "skip")
            #expect(job["max_consecutive_errors"]?.intValue == 3)
            #expect(job["last_run_at"] == .null)

            let stored = try await h.client.job("backup")
            #expect(stored.maxConsecutiveErrors == 3)
            #expect(stored.timeout == 60)
            #expect(stored.stateWebhookURL == "https://hooks.example/state")
            let entry = try #require(try await h.client.audit(job: "backup").first)
            #expect(entry.action == "job.create")
            #expect(entry.actor == "token:ops")

            let every = #"{"name":"tick","schedule":{"kind":"every","seconds":90},"command":["true"]}"#
            let e = try await client.execute(uri: "/api/v1/jobs", method: .post, headers: h.jsonAuth(.operator), body: every.buffer)
            #expect(e.status == .created)
            #expect(try e.body.json["schedule"]?["seconds"]?.intValue == 90)
            let at = #"{"name":"once","schedule":{"kind":"at","at":"2030-01-02T03:04:05Z"},"command":["true"]}"#
            let a = try await client.execute(uri: "/api/v1/jobs", method: .post, headers: h.jsonAuth(.operator), body: at.buffer)
            #expect(a.status == .created)
            #expect(try a.body.json["schedule"]?["at"] == "2030-01-02T03:04:05.000Z")
        }
    }

    /// (body, expected status, expected code, a piece of the message)
    static let badBodies: [(String, Int, String, String)] = [
        (#"{"name":"x","schedule":{"kind":"every","seconds":60},"command":["true"],"nmae":"y"}"#, 400, "bad_request", "unknown key \"nmae\""),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60,"zone":"UTC"},"command":["true"]}"#, 400, "bad_request", "schedule.zone"),
        (#"{"name":7,"schedule":{"kind":"every","seconds":60},"command":["true"]}"#, 400, "bad_request", "name: expected a string"),
        (#"{"name":"x","schedule":{"kind":"every","seconds":"60"},"command":["true"]}"#, 400, "bad_request", "schedule.seconds"),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60},"command":"true"}"#, 400, "bad_request", "command"),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60},"command":["true"],"timeout_seconds":"1m"}"#, 400, "bad_request", "timeout_seconds"),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60}}"#, 400, "bad_request", "missing key \"command\""),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60},"command":["true"]"#, 400, "bad_request", "malformed JSON"),
        (#"["x"]"#, 400, "bad_request", "object"),
        ("", 400, "bad_request", "missing JSON body"),
        (#"{"name":"x","schedule":{"kind":"cron","expression":"0 0 * * MON-FRX"},"command":["true"]}"#, 422, "invalid",
         #"day-of-week: "MON-FRX": unknown name "FRX"; expected SUN-SAT or 0-7"#),
        (#"{"name":"x","schedule":{"kind":"cron","expression":"0 0 30 2 *"},"command":["true"]}"#, 422, "invalid", "never"),
        (#"{"name":"x","schedule":{"kind":"cron","expression":"0 3 * * *","timezone":"Mars/Olympus"},"command":["true"]}"#, 422, "invalid", "Mars/Olympus"),
        (#"{"name":"bad name","schedule":{"kind":"every","seconds":60},"command":["true"]}"#, 422, "invalid", "name: \"bad name\""),
        (#"{"name":"x","schedule":{"kind":"every","seconds":0},"command":["true"]}"#, 422, "invalid", "every"),
        (#"{"name":"x","schedule":{"kind":"at","at":"tomorrow"},"command":["true"]}"#, 422, "invalid", "at: \"tomorrow\""),
        (#"{"name":"x","schedule":{"kind":"weekly"},"command":["true"]}"#, 422, "invalid", "schedule.kind"),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60},"command":[]}"#, 422, "invalid", "command: empty"),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60},"command":["true"],"overlap":"sometimes"}"#, 422, "invalid", "overlap"),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60},"command":["true"],"max_consecutive_errors":0}"#, 422, "invalid", "max-errors"),
        (#"{"name":"x","schedule":{"kind":"every","seconds":60},"command":["true"],"state_webhook_url":"ftp://x"}"#, 422, "invalid", "state-webhook"),
        // found by schemathesis: this crashed the server (Double → Int64 trap) before the bound
        (#"{"name":"x","schedule":{"kind":"every","seconds":336},"command":["true"],"jitter_seconds":5.9624481560860584e+16}"#, 422, "invalid", "jitter"),
    ]

    @Test("bad bodies: 400 for shape, 422 for values with the CLI's messages; nothing is written", arguments: badBodies)
    func badBody(_ body: String, _ status: Int, _ code: String, _ message: String) async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.app().test(.router) { client in
            let r = try await client.execute(uri: "/api/v1/jobs", method: .post, headers: h.jsonAuth(.operator), body: body.buffer)
            #expect(r.status.code == status)
            let error = try r.body.json["error"]
            #expect(error?["code"]?.stringValue == code)
            #expect(error?["message"]?.stringValue?.contains(message) == true, "\(error?["message"]?.stringValue ?? "")")
            #expect(!String(buffer: r.body).contains("Swift"))
        }
        #expect(try await h.client.jobs().isEmpty)
        #expect(try await h.client.audit().filter { $0.action.hasPrefix("job.") }.isEmpty)
    }

    @Test("a taken name is 409; an unknown job is 404 by name and by id")
    func conflictsAndMissing() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly")
        try await h.app().test(.router) { client in
            let body = #"{"name":"nightly","schedule":{"kind":"every","seconds":60},"command":["true"]}"#
            let r = try await client.execute(uri: "/api/v1/jobs", method: .post, headers: h.jsonAuth(.operator), body: body.buffer)
            #expect(r.status == .conflict)
            #expect(try r.body.json["error"]?["code"] == "refused")

            let byName = try await client.execute(uri: "/api/v1/jobs/nightly", method: .get, headers: h.auth(.viewer))
            #expect(try byName.body.json["id"]?.stringValue == job.id.rawValue)
            let byID = try await client.execute(uri: "/api/v1/jobs/\(job.id.rawValue)", method: .get, headers: h.auth(.viewer))
            #expect(try byID.body.json["name"] == "nightly")
            for (uri, method) in [("/api/v1/jobs/nope", HTTPRequest.Method.get), ("/api/v1/jobs/nope/pause", .post),
                ("/api/v1/jobs/nope", .delete), ("/api/v1/jobs/nope/alerts", .get), ("/api/v1/runs/01NOPE", .get),
                ("/api/v1/alerts/nope", .delete), ("/api/v1/nothing-here", .get)] {
                let m = try await client.execute(uri: uri, method: method, headers: h.auth(.operator))
                #expect(m.status == .notFound, "\(method) \(uri)")
                #expect(try m.body.json["error"]?["code"] == "not_found")
            }
        }
    }

    @Test("pause, resume (409 for a failed job without force), force resume, run-now 202, delete 204")
    func lifecycle() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly")
        try await h.app().test(.router) { client in
            let again = try await client.execute(uri: "/api/v1/jobs/nightly/resume", method: .post, headers: h.auth(.operator))
            #expect(again.status == .conflict)
            #expect(try again.body.json["error"]?["message"]?.stringValue?.contains("already active") == true)

            try await h.store.modifyJob(id: job.id) { j in
                j.status = .failed
                j.consecutiveErrors = 10
                j.nextRunAt = nil
                return nil
            }
            let refused = try await client.execute(uri: "/api/v1/jobs/nightly/resume", method: .post, headers: h.jsonAuth(.operator), body: "{}".buffer)
            #expect(refused.status == .conflict)
            #expect(try refused.body.json["error"]?["hint"]?.stringValue?.contains("force") == true)
            let notBool = try await client.execute(
                uri: "/api/v1/jobs/nightly/resume", method: .post, headers: h.jsonAuth(.operator), body: #"{"force":"yes"}"#.buffer)
            #expect(notBool.status == .badRequest)
            #expect(try await h.client.job("nightly").status == .failed)

            let forced = try await client.execute(
                uri: "/api/v1/jobs/nightly/resume", method: .post, headers: h.jsonAuth(.operator), body: #"{"force":true}"#.buffer)
            #expect(forced.status == .ok)
            #expect(try forced.body.json["status"] == "active")
            #expect(try forced.body.json["consecutive_errors"]?.intValue == 0)
            #expect(try forced.body.json["next_run_at"] != .null)

            let now = try await client.execute(uri: "/api/v1/jobs/nightly/run-now", method: .post, headers: h.auth(.operator))
            #expect(now.status == .accepted)
            let runID = try #require(try now.body.json["run"]?["id"]?.stringValue)
            #expect(try now.body.json["run"]?["trigger"] == "manual")
            let poll = try await client.execute(uri: "/api/v1/runs/\(runID)", method: .get, headers: h.auth(.viewer))
            #expect(poll.status == .ok)
            #expect(try poll.body.json["status"] == "queued")
            #expect(try poll.body.json["artifacts"] == .array([]))

            let paused = try await client.execute(uri: "/api/v1/jobs/nightly/pause", method: .post, headers: h.auth(.operator))
            #expect(paused.status == .ok)
            let refusedRun = try await client.execute(uri: "/api/v1/jobs/nightly/run-now", method: .post, headers: h.auth(.operator))
            #expect(refusedRun.status == .conflict)
            let resumed = try await client.execute(uri: "/api/v1/jobs/nightly/resume", method: .post, headers: h.auth(.operator))
            #expect(resumed.status == .ok)

            let deleted = try await client.execute(uri: "/api/v1/jobs/nightly", method: .delete, headers: h.auth(.operator))
            #expect(deleted.status == .noContent)
            #expect(deleted.body.readableBytes == 0)
            do {
                let r = try await client.execute(uri: "/api/v1/jobs/nightly", method: .get, headers: h.auth(.viewer))
                #expect(r.status == .notFound)
            }
        }
        let actions = try await h.client.audit(job: job.id.rawValue).map { "\($0.actor) \($0.action)" }
        #expect(actions == [
            "token:ops job.delete", "token:ops job.resume", "token:ops job.pause", "token:ops job.run_now",
            "token:ops job.resume:force", "test job.create",
        ])
    }

    @Test("GET /jobs?status filters; a bad status is 422, an unknown parameter 400")
    func listFilter() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.addJob("a")
        try await h.addJob("b")
        try await h.client.pauseJob("b")
        try await h.app().test(.router) { client in
            let all = try await client.execute(uri: "/api/v1/jobs", method: .get, headers: h.auth(.viewer))
            #expect(try all.body.json.arrayValue?.count == 2)
            let paused = try await client.execute(uri: "/api/v1/jobs?status=paused", method: .get, headers: h.auth(.viewer))
            #expect(try paused.body.json.arrayValue?.compactMap { $0["name"]?.stringValue } == ["b"])
            let bad = try await client.execute(uri: "/api/v1/jobs?status=sleeping", method: .get, headers: h.auth(.viewer))
            #expect(bad.status == .unprocessableContent)
            let unknown = try await client.execute(uri: "/api/v1/jobs?sort=name", method: .get, headers: h.auth(.viewer))
            #expect(unknown.status == .badRequest)
        }
    }

    @Test("a body over 1 MiB is 413 and writes nothing")
    func tooLarge() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let padding = String(repeating: "x", count: 1024 * 1024 + 10)
        let body = #"{"name":"big","schedule":{"kind":"every","seconds":60},"command":["\#(padding)"]}"#
        try await h.app().test(.router) { client in
            let r = try await client.execute(uri: "/api/v1/jobs", method: .post, headers: h.jsonAuth(.operator), body: body.buffer)
            #expect(r.status == .contentTooLarge)
            #expect(try r.body.json["error"]?["code"] == "payload_too_large")
        }
        #expect(try await h.client.jobs().isEmpty)
    }
}
