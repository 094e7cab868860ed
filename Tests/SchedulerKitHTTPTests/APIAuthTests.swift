import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchedulerKit
import SchedulerKitHTTP
import Testing

/// Tokens and roles over HTTP (SPEC §9): 401 without a valid token, 403 for a viewer's write,
/// the open routes, and `--open-metrics`.
@Suite("API authentication and roles")
struct APIAuthTests {
    @Test("GET /healthz and /openapi.json are open; the API is not")
    func openRoutes() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.app().test(.router) { client in
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(try health.body.json["status"] == "ok")
            let doc = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(doc.status == .ok)
            #expect(try doc.body.json["openapi"] == "3.1.0")

            let none = try await client.execute(uri: "/api/v1/jobs", method: .get)
            #expect(none.status == .unauthorized)
            let error = try none.body.json["error"]
            #expect(error?["code"] == "unauthorized")
            #expect(error?["message"]?.stringValue?.isEmpty == false)
            #expect(error?["hint"] != nil)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

            for header in ["Bearer nope", "Bearer \(h.operatorToken)x", "Basic \(h.operatorToken)", h.operatorToken] {
                let r = try await client.execute(uri: "/api/v1/jobs", method: .get, headers: [.authorization: header])
                #expect(r.status == .unauthorized, "\(header)")
            }
        }
    }

    @Test("a viewer reads everything and changes nothing (403); an operator changes")
    func roles() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly")
        try await h.app().test(.router) { client in
            for uri in ["/api/v1/jobs", "/api/v1/jobs/nightly", "/api/v1/runs", "/api/v1/audit", "/api/v1/deliveries",
                "/api/v1/jobs/nightly/alerts", "/api/v1/jobs/nightly/report", "/api/v1/check", "/metrics"] {
                let r = try await client.execute(uri: uri, method: .get, headers: h.auth(.viewer))
                #expect(r.status == .ok, "\(uri)")
            }
            let writes: [(String, HTTPRequest.Method, String?)] = [
                ("/api/v1/jobs", .post, #"{"name":"x","schedule":{"kind":"every","seconds":60},"command":["true"]}"#),
                ("/api/v1/jobs/nightly/pause", .post, nil), ("/api/v1/jobs/nightly/resume", .post, nil),
                ("/api/v1/jobs/nightly/run-now", .post, nil), ("/api/v1/jobs/nightly", .delete, nil),
                ("/api/v1/jobs/nightly/alerts", .post, #"{"alert_type":"email","target":"a@example.com"}"#),
                ("/api/v1/alerts/whatever", .delete, nil), ("/api/v1/deliveries/whatever/retry", .post, nil),
            ]
            for (uri, method, body) in writes {
                let r = try await client.execute(uri: uri, method: method, headers: h.jsonAuth(.viewer), body: body?.buffer)
                #expect(r.status == .forbidden, "\(method) \(uri)")
                #expect(try r.body.json["error"]?["code"] == "forbidden")
            }
            // nothing was written by the refused writes
            #expect(try await h.client.jobs().map(\.name) == ["nightly"])
            #expect(try await h.client.job("nightly").status == .active)
            #expect(try await h.client.runs(job: job.id.rawValue).isEmpty)

            let paused = try await client.execute(uri: "/api/v1/jobs/nightly/pause", method: .post, headers: h.auth(.operator))
            #expect(paused.status == .ok)
            #expect(try paused.body.json["status"] == "paused")
        }
        let entry = try #require(try await h.client.audit(job: "nightly").first)
        #expect(entry.action == "job.pause")
        #expect(entry.actor == "token:ops")
    }

    @Test("/metrics and /api/v1/check need a token unless open-metrics; the rest of the API still does")
    func openMetrics() async throws {
        let closed = try await HTTPTestHarness()
        defer { closed.remove() }
        try await closed.app().test(.router) { client in
            do {
                let r = try await client.execute(uri: "/metrics", method: .get)
                #expect(r.status == .unauthorized)
            }
            do {
                let r = try await client.execute(uri: "/api/v1/check", method: .get)
                #expect(r.status == .unauthorized)
            }
        }
        let open = try await HTTPTestHarness { $0.openMetrics = true }
        defer { open.remove() }
        try await open.addJob("nightly")
        try await open.app().test(.router) { client in
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            #expect(String(buffer: metrics.body).contains("schedulerkit_"))
            let check = try await client.execute(uri: "/api/v1/check", method: .get)
            #expect(check.status == .ok)
            #expect(try check.body.json["status"] != nil)
            do {
                let r = try await client.execute(uri: "/api/v1/jobs", method: .get)
                #expect(r.status == .unauthorized)
            }
        }
    }

    @Test("a removed token stops working at once")
    func revoked() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.app().test(.router) { client in
            do {
                let r = try await client.execute(uri: "/api/v1/jobs", method: .get, headers: h.auth(.viewer))
                #expect(r.status == .ok)
            }
            try await h.client.removeToken("watcher")
            do {
                let r = try await client.execute(uri: "/api/v1/jobs", method: .get, headers: h.auth(.viewer))
                #expect(r.status == .unauthorized)
            }
        }
    }
}
