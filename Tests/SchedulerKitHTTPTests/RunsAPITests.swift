import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchedulerKit
import SchedulerKitHTTP
import Testing

/// `/api/v1/runs…`, alerts, deliveries, audit, check and report over HTTP.
@Suite("Runs, alerts, deliveries, audit, check and report API")
struct RunsAPITests {
    @Test("GET /runs: newest first, status filter (system_error like any other), job filter, before pages, limit")
    func runs() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let a = try await h.addJob("a")
        let b = try await h.addJob("b")
        let base = Date().addingTimeInterval(-100)
        var inserted: [RunID] = []
        for (i, status) in [RunStatus.succeeded, .failed, .systemError, .succeeded, .systemError, .timedOut].enumerated() {
            inserted.append(try h.insertRun(i % 2 == 0 ? a : b, status: status, at: base.addingTimeInterval(Double(i))))
        }
        let ids = inserted
        try await h.app().test(.router) { client in
            func get(_ uri: String) async throws -> [String] {
                let r = try await client.execute(uri: uri, method: .get, headers: h.auth(.viewer))
                #expect(r.status == .ok, "\(uri)")
                return try r.body.json.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            #expect(try await get("/api/v1/runs") == ids.reversed().map(\.rawValue))
            #expect(try await get("/api/v1/runs?status=system_error") == [ids[4], ids[2]].map(\.rawValue))
            #expect(try await get("/api/v1/runs?status=failed,system_error") == [ids[4], ids[2], ids[1]].map(\.rawValue))
            #expect(try await get("/api/v1/runs?job=a") == [ids[4], ids[2], ids[0]].map(\.rawValue))
            #expect(try await get("/api/v1/runs?limit=2") == [ids[5], ids[4]].map(\.rawValue))
            #expect(try await get("/api/v1/runs?limit=2&before=\(ids[4].rawValue)") == [ids[3], ids[2]].map(\.rawValue))

            let one = try await client.execute(uri: "/api/v1/runs?limit=1", method: .get, headers: h.auth(.viewer))
            let run = try #require(try one.body.json.arrayValue?.first)
            for key in ["id", "job_id", "job_name", "status", "trigger", "attempt", "scheduled_for", "started_at", "finished_at",
                "exit_code", "error_type", "error_code", "error_message"] {
                #expect(run[key] != nil, "missing \(key)")
            }
            #expect(run["error_type"] == "user")

            for (uri, status) in [("/api/v1/runs?status=lost", 422), ("/api/v1/runs?limit=0", 422), ("/api/v1/runs?limit=ten", 400),
                ("/api/v1/runs?job=nope", 404), ("/api/v1/runs?colour=red", 400)] {
                let r = try await client.execute(uri: uri, method: .get, headers: h.auth(.viewer))
                #expect(r.status.code == status, "\(uri)")
            }
        }
    }

    @Test("GET /runs/{id} says when the artifacts cannot be read (500), not an empty list")
    func artifactStorageErrorIsNotHidden() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("a")
        let id = try h.insertRun(job, status: .succeeded, output: "done\n")
        try await h.app().test(.router) { client in
            let fine = try await client.execute(uri: "/api/v1/runs/\(id.rawValue)", method: .get, headers: h.auth(.viewer))
            #expect(fine.status == .ok)
            // the artifacts table gone behind the server's back: reading it fails
            let queue = try DatabaseQueue(path: h.path)
            try await queue.write { db in try db.execute(sql: "DROP TABLE run_artifacts") }
            try queue.close()
            let broken = try await client.execute(uri: "/api/v1/runs/\(id.rawValue)", method: .get, headers: h.auth(.viewer))
            #expect(broken.status == .internalServerError)
            #expect(try broken.body.json["error"]?["code"]?.stringValue == "storage")
        }
    }

    @Test("GET /runs/{id} has output and artifact metadata; the artifact downloads with its type")
    func pollAndArtifact() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("a")
        let id = try h.insertRun(job, status: .running, output: "hello\n")
        let bytes = Data("col1,col2\n1,2\n".utf8)
        _ = try await h.store.saveArtifact(SaveArtifactParams(runId: id, name: "report.csv", contentType: "text/csv", data: bytes, now: Date()))
        try h.finishRun(id, status: .succeeded)
        try await h.app().test(.router) { client in
            let r = try await client.execute(uri: "/api/v1/runs/\(id.rawValue)", method: .get, headers: h.auth(.viewer))
            #expect(r.status == .ok)
            let run = try r.body.json
            #expect(run["output"] == "hello\n")
            let artifact = try #require(run["artifacts"]?.arrayValue?.first)
            #expect(artifact["name"] == "report.csv")
            #expect(artifact["size"]?.intValue == Int64(bytes.count))
            #expect(artifact["content_type"] == "text/csv")
            #expect(artifact["sha256"]?.stringValue?.count == 64)

            let file = try await client.execute(uri: "/api/v1/runs/\(id.rawValue)/artifacts/report.csv", method: .get, headers: h.auth(.viewer))
            #expect(file.status == .ok)
            #expect(file.headers[.contentType] == "text/csv")
            #expect(Data(file.body.readableBytesView) == bytes)
            let missing = try await client.execute(uri: "/api/v1/runs/\(id.rawValue)/artifacts/nope", method: .get, headers: h.auth(.viewer))
            #expect(missing.status == .notFound)
        }
    }

    @Test("alerts: add (201, alert_type, secret ***), list, bad values 422, delete 204; audited as the token")
    func alerts() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.addJob("a")
        try await h.app().test(.router) { client in
            let body = #"{"alert_type":"webhook","target":"https://hooks.example/x","on_timeout":false,"secret":"shh"}"#
            let r = try await client.execute(uri: "/api/v1/jobs/a/alerts", method: .post, headers: h.jsonAuth(.operator), body: body.buffer)
            #expect(r.status == .created)
            let alert = try r.body.json
            #expect(alert["alert_type"] == "webhook")
            #expect(alert["type"] == nil)
            #expect(alert["secret"] == "***")
            #expect(alert["on_timeout"] == false)
            #expect(alert["on_failure"] == true)
            #expect(!String(buffer: r.body).contains("shh"))
            let id = try #require(alert["id"]?.stringValue)

            let list = try await client.execute(uri: "/api/v1/jobs/a/alerts", method: .get, headers: h.auth(.viewer))
            #expect(try list.body.json.arrayValue?.count == 1)
            #expect(!String(buffer: list.body).contains("shh"))

            for (bad, status) in [(#"{"alert_type":"sms","target":"x"}"#, 422), (#"{"alert_type":"email","target":"not-an-address"}"#, 422),
                (#"{"alert_type":"webhook","target":"https://h.example","on_failure":"yes"}"#, 400),
                (#"{"alert_type":"webhook","target":"https://h.example","type":"webhook"}"#, 400),
                (#"{"alert_type":"email","target":"a@example.com","secret":"x"}"#, 422)] {
                let e = try await client.execute(uri: "/api/v1/jobs/a/alerts", method: .post, headers: h.jsonAuth(.operator), body: bad.buffer)
                #expect(e.status.code == status, "\(bad)")
            }
            #expect(try await h.client.alerts("a").count == 1)

            let d = try await client.execute(uri: "/api/v1/alerts/\(id)", method: .delete, headers: h.auth(.operator))
            #expect(d.status == .noContent)
            #expect(try await h.client.alerts("a").isEmpty)
        }
        let actions = try await h.client.audit(job: "a").map { "\($0.actor) \($0.action)" }
        #expect(actions.prefix(2) == ["token:ops alert.delete", "token:ops alert.create"])
    }

    @Test("deliveries: list by status; retry re-queues a dead one (200), refuses a pending one (409)")
    func deliveries() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("a")
        let dead = try h.insertDelivery(status: .dead, job: job)
        let pending = try h.insertDelivery(status: .pending, job: job)
        try await h.app().test(.router) { client in
            let list = try await client.execute(uri: "/api/v1/deliveries?status=dead", method: .get, headers: h.auth(.viewer))
            #expect(try list.body.json.arrayValue?.compactMap { $0["id"]?.stringValue } == [dead])
            let r = try await client.execute(uri: "/api/v1/deliveries/\(dead)/retry", method: .post, headers: h.auth(.operator))
            #expect(r.status == .ok)
            #expect(try r.body.json["status"] == "pending")
            #expect(try r.body.json["attempts"]?.intValue == 0)
            let refused = try await client.execute(uri: "/api/v1/deliveries/\(pending)/retry", method: .post, headers: h.auth(.operator))
            #expect(refused.status == .conflict)
            let missing = try await client.execute(uri: "/api/v1/deliveries/nope/retry", method: .post, headers: h.auth(.operator))
            #expect(missing.status == .notFound)
        }
        #expect(try await h.client.deliveries(status: .dead).isEmpty)
        let entry = try #require(try await h.client.audit(job: "a").first)
        #expect(entry.action == "delivery.retry")
        #expect(entry.actor == "token:ops")
    }

    @Test("audit ?job=, check filters (always 200), report ?hours")
    func observability() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("a")
        try await h.addJob("b")
        try h.insertRun(job, status: .failed)
        try h.insertRun(job, status: .systemError)
        try await h.app().test(.router) { client in
            let audit = try await client.execute(uri: "/api/v1/audit?job=a", method: .get, headers: h.auth(.viewer))
            let entries = try #require(try audit.body.json.arrayValue)
            #expect(entries.count == 1)
            #expect(entries[0]["action"] == "job.create")
            #expect(entries[0]["job_name"] == "a")

            let check = try await client.execute(uri: "/api/v1/check", method: .get, headers: h.auth(.viewer))
            #expect(check.status == .ok)
            let all = try check.body.json
            #expect(all["status"]?.stringValue != nil)
            let findings = all["findings"]?.arrayValue ?? []
            #expect(!findings.isEmpty)  // no scheduler is alive
            let critical = try await client.execute(uri: "/api/v1/check?severity=info", method: .get, headers: h.auth(.viewer))
            let infos = try critical.body.json["findings"]?.arrayValue ?? []
            #expect(infos.allSatisfy { $0["severity"] == "info" })
            let none = try await client.execute(uri: "/api/v1/check?job=nope", method: .get, headers: h.auth(.viewer))
            #expect(try none.body.json["status"] == "ok")
            #expect(try none.body.json["findings"] == .array([]))
            do {
                let r = try await client.execute(uri: "/api/v1/check?severity=loud", method: .get, headers: h.auth(.viewer))
                #expect(r.status == .unprocessableContent)
            }

            let report = try await client.execute(uri: "/api/v1/jobs/a/report?hours=2&failures=1", method: .get, headers: h.auth(.viewer))
            #expect(report.status == .ok)
            let r = try report.body.json
            #expect(r["total"]?.intValue == 2)
            #expect(r["counts"]?["system_error"]?.intValue == 1)
            #expect(r["last_failures"]?.arrayValue?.count == 1)
            #expect(r["window"]?["hours"] != nil)
            do {
                let r = try await client.execute(uri: "/api/v1/jobs/a/report?hours=-1", method: .get, headers: h.auth(.viewer))
                #expect(r.status == .unprocessableContent)
            }
            do {
                let r = try await client.execute(uri: "/api/v1/jobs/a/report?hours=x", method: .get, headers: h.auth(.viewer))
                #expect(r.status == .badRequest)
            }
        }
    }
}
