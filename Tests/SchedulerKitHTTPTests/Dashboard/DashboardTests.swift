import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SchedulerKit
import SchedulerKitHTTP
import Testing

@Suite("Dashboard")
struct DashboardTests {
    @Test("pages need a session: / redirects to /login, which offers a token form")
    func signInRequired() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.app().test(.router) { client in
            for uri in ["/", "/runs", "/jobs/x", "/health", "/deliveries", "/audit"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .seeOther, "\(uri)")
                #expect(r.headers[.location] == "/login")
            }
            let login = try await client.execute(uri: "/login", method: .get)
            #expect(login.status == .ok)
            let html = String(buffer: login.body)
            #expect(html.contains(#"name="token""#))
            #expect(html.contains(#"<meta name="viewport""#))
            let bad = try await client.execute(uri: "/login?token=nope", method: .get)
            #expect(bad.status == .unauthorized)
            #expect(bad.headers[.setCookie] == nil)
        }
    }

    @Test("sign-in by form and by /login?token= sets an HttpOnly, SameSite=Strict, Path=/ cookie; sign-out ends it")
    func cookieFlags() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.app().test(.router) { client in
            let r = try await client.execute(uri: "/login?token=\(h.operatorToken)", method: .get)
            #expect(r.status == .seeOther)
            let cookie = try #require(r.headers[.setCookie])
            #expect(cookie.hasPrefix("schedkit_session="))
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(cookie.contains("Path=/"))
            #expect(!cookie.contains("Secure"))

            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            #expect(try await s.get(client, "/").0 == .ok)
            let noCSRF = try await s.post(client, "/logout", csrf: .some(nil))
            #expect(noCSRF.status == .forbidden)
            let out = try await s.post(client, "/logout")
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/login")
            let after = try await client.execute(uri: "/", method: .get, headers: s.headers)
            #expect(after.status == .seeOther)
        }
    }

    @Test("over TLS the cookie is also Secure")
    func secureCookie() async throws {
        let h = try await HTTPTestHarness { o in
            o.tlsCertificatePath = "/nonexistent/cert.pem"
            o.tlsKeyPath = "/nonexistent/key.pem"
        }
        defer { h.remove() }
        let app = Application(router: h.http().router())
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/login?token=\(h.operatorToken)", method: .get)
            #expect(r.headers[.setCookie]?.contains("; Secure") == true)
        }
    }

    @Test("the jobs page shows 100 jobs by name and links to the next page, which keeps the status filter")
    func jobsPagination() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        for i in 0..<105 { try await h.addJob(String(format: "job-%03d", i)) }
        try await h.store.modifyJob(id: try await h.client.job("job-104").id) { j in
            j.status = .paused
            j.nextRunAt = nil
            return nil
        }
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            let (_, first) = try await s.get(client, "/")
            #expect(first.components(separatedBy: "<tr data-job=").count - 1 == 100)
            #expect(first.contains(">job-099<") && !first.contains(">job-100<"))
            #expect(first.contains(#"href="/?after=job-099" rel="next""#))
            let (_, second) = try await s.get(client, "/?after=job-099")
            #expect(second.components(separatedBy: "<tr data-job=").count - 1 == 5)
            #expect(second.contains(">job-100<") && second.contains(">job-104<") && !second.contains(">job-099<"))
            #expect(!second.contains(#"rel="next""#))
            let (_, small) = try await s.get(client, "/?status=active&limit=50")
            #expect(small.contains(#"href="/?after=job-049&amp;status=active&amp;limit=50" rel="next""#))
            let (_, last) = try await s.get(client, "/?status=active&after=job-099")
            #expect(last.components(separatedBy: "<tr data-job=").count - 1 == 4, "job-104 is paused")
        }
    }

    @Test("every page renders for a signed-in operator")
    func everyPage() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly")
        let run = try h.insertRun(job, status: .failed, output: "boom <b>\n")
        try h.insertDelivery(status: .dead, job: job)
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            let pages: [(String, String)] = [
                ("/", "nightly"), ("/?status=active", "nightly"), ("/jobs/nightly", "Add alert"),
                ("/jobs/nightly/report", "Failure report"), ("/jobs/nightly/confirm/delete", "Yes, I am sure"),
                ("/runs", run.rawValue), ("/runs/\(run.rawValue)", "boom &lt;b&gt;"), ("/health", "Health"),
                ("/deliveries", "Retry"), ("/audit", "Audit"),
            ]
            for (uri, text) in pages {
                let (status, html) = try await s.get(client, uri)
                #expect(status == .ok, "\(uri)")
                #expect(html.contains(text), "\(uri) lacks \(text)")
                #expect(!html.contains("boom <b>"), "\(uri) does not escape output")
            }
            #expect(try await s.get(client, "/jobs/missing").0 == .notFound)
            #expect(try await s.get(client, "/runs?status=bogus").0 == .unprocessableContent)
            let css = try await client.execute(uri: "/assets/dashboard.css", method: .get)
            #expect(css.status == .ok)
            #expect(String(buffer: css.body).contains(".run-system_error"))
            let js = try await client.execute(uri: "/assets/live.js", method: .get)
            #expect(String(buffer: js.body).contains("visibilitychange"))
        }
    }

    @Test("a change without the CSRF token, or with a wrong one, is refused with 403 and changes nothing")
    func csrfRefused() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.addJob("nightly")
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            #expect(try await s.post(client, "/jobs/nightly/pause", csrf: .some(nil)).status == .forbidden)
            #expect(try await s.post(client, "/jobs/nightly/pause", csrf: "00ff").status == .forbidden)
            #expect(try await h.client.job("nightly").status == .active)
            let ok = try await s.post(client, "/jobs/nightly/pause")
            #expect(ok.status == .seeOther)
            #expect(ok.headers[.location] == "/jobs/nightly")
            #expect(try await h.client.job("nightly").status == .paused)
            let audit = try await h.client.audit(job: "nightly")
            #expect(audit.first?.actor == "token:ops")
            #expect(audit.first?.action == "job.pause")
            let (_, html) = try await s.get(client, "/jobs/nightly")
            #expect(html.contains("Paused nightly."))
        }
    }

    @Test("a viewer sees no change buttons and gets 403 on every POST")
    func viewerRefused() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.addJob("nightly")
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.viewerToken)
            let (status, html) = try await s.get(client, "/jobs/nightly")
            #expect(status == .ok)
            #expect(!html.contains("Run now"))
            #expect(!html.contains("Add alert"))
            #expect(!html.contains("/pause\""))
            for uri in ["/jobs/nightly/pause", "/jobs/nightly/run-now", "/jobs/nightly/delete", "/jobs/nightly/alerts"] {
                #expect(try await s.post(client, uri, ["confirm": "on", "alert_type": "webhook", "target": "https://x.example/h"]).status == .forbidden, "\(uri)")
            }
            #expect(try await h.client.job("nightly").status == .active)
            #expect(try await h.client.runs(job: "nightly").isEmpty)
        }
    }

    @Test("resume of a failed job without force is refused with a flash; force resume goes through its confirmation")
    func forceResume() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly")
        try await h.store.modifyJob(id: job.id) { j in
            j.status = .failed
            j.consecutiveErrors = 10
            j.nextRunAt = nil
            return nil
        }
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            let (_, page) = try await s.get(client, "/jobs/nightly")
            #expect(page.contains("Force resume"))
            let plain = try await s.post(client, "/jobs/nightly/resume", ["back": "/jobs/nightly"])
            #expect(plain.status == .seeOther)
            #expect(plain.headers[.location] == "/jobs/nightly")
            let (_, flashed) = try await s.get(client, "/jobs/nightly")
            #expect(flashed.contains("Refused:"))
            #expect(try await h.client.job("nightly").status == .failed)

            let unconfirmed = try await s.post(client, "/jobs/nightly/resume", ["force": "on"])
            #expect(unconfirmed.headers[.location] == "/jobs/nightly/confirm/force-resume")
            #expect(try await h.client.job("nightly").status == .failed)
            let (_, confirm) = try await s.get(client, "/jobs/nightly/confirm/force-resume")
            #expect(confirm.contains(#"name="confirm""#))
            #expect(confirm.contains("required"))
            let forced = try await s.post(client, "/jobs/nightly/resume", ["force": "on", "confirm": "on"])
            #expect(forced.status == .seeOther)
            #expect(try await h.client.job("nightly").status == .active)
            #expect(try await h.client.audit(job: "nightly").first?.actor == "token:ops")
        }
    }

    @Test("add an alert through the form, see it with its secret hidden, delete it; run now; delete the job")
    func alertsAndActions() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        try await h.addJob("nightly")
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            let add = try await s.post(client, "/jobs/nightly/alerts", [
                "alert_type": "webhook", "target": "https://hooks.example/a", "on_failure": "on", "on_system_error": "on", "secret": "s3cret",
            ])
            #expect(add.status == .seeOther)
            let alerts = try await h.client.alerts("nightly")
            #expect(alerts.count == 1)
            #expect(alerts.first?.onTimeout == false)
            #expect(alerts.first?.onSystemError == true)
            let (_, page) = try await s.get(client, "/jobs/nightly")
            #expect(page.contains("https://hooks.example/a"))
            #expect(!page.contains("s3cret"))
            let bad = try await s.post(client, "/jobs/nightly/alerts", ["alert_type": "webhook", "target": "not a url", "back": "/jobs/nightly"])
            #expect(bad.headers[.location] == "/jobs/nightly")
            #expect(try await s.get(client, "/jobs/nightly").1.contains("Refused:"))
            #expect(try await h.client.alerts("nightly").count == 1)
            let id = try #require(alerts.first?.id)
            #expect(try await s.post(client, "/alerts/\(id)/delete", ["back": "/jobs/nightly"]).headers[.location] == "/jobs/nightly")
            #expect(try await h.client.alerts("nightly").isEmpty)

            #expect(try await s.post(client, "/jobs/nightly/run-now").status == .seeOther)
            #expect(try await h.client.runs(job: "nightly").first?.trigger == .manual)
            #expect(try await s.post(client, "/jobs/nightly/delete").headers[.location] == "/jobs/nightly/confirm/delete")
            let deleted = try await s.post(client, "/jobs/nightly/delete", ["confirm": "on"])
            #expect(deleted.headers[.location] == "/")
            await #expect(throws: SchedulerError.self) { try await h.client.job("nightly") }
        }
    }

    @Test("runs show System Error as its own badge, distinct from Failed, and the filter offers it")
    func systemErrorBadge() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly")
        let failed = try h.insertRun(job, status: .failed, at: Date().addingTimeInterval(-20))
        let lost = try h.insertRun(job, status: .systemError, at: Date().addingTimeInterval(-10))
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            let (_, all) = try await s.get(client, "/runs")
            #expect(all.contains(#"<span class="badge run-system_error">System Error</span>"#))
            #expect(all.contains(#"<span class="badge run-failed">Failed</span>"#))
            #expect(all.contains(#"<option value="system_error">System Error</option>"#))
            let (status, filtered) = try await s.get(client, "/runs?status=system_error")
            #expect(status == .ok)
            #expect(filtered.contains(lost.rawValue))
            #expect(!filtered.contains(failed.rawValue))
            #expect(filtered.contains(#"<option value="system_error" selected>System Error</option>"#))
            let (_, jobPage) = try await s.get(client, "/jobs/nightly?status=system_error")
            #expect(jobPage.contains(lost.rawValue) && !jobPage.contains(failed.rawValue))
        }
    }

    @Test("runs page one row at a time with the before cursor")
    func pagination() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly")
        let older = try h.insertRun(job, status: .succeeded, at: Date().addingTimeInterval(-20))
        let newer = try h.insertRun(job, status: .succeeded, at: Date().addingTimeInterval(-10))
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            let (_, first) = try await s.get(client, "/runs?limit=1")
            #expect(first.contains(newer.rawValue) && !first.contains("/runs/\(older.rawValue)"))
            #expect(first.contains("?before=\(newer.rawValue)&amp;limit=1"))
            let (_, second) = try await s.get(client, "/runs?before=\(newer.rawValue)&limit=1")
            #expect(second.contains("/runs/\(older.rawValue)") && !second.contains("/runs/\(newer.rawValue)"))
            #expect(!second.contains("Older runs"))
            let (_, filtered) = try await s.get(client, "/runs?limit=1&status=succeeded,failed")
            #expect(filtered.contains("?before=\(newer.rawValue)&amp;limit=1&amp;status=succeeded,failed\" rel=\"next\""))
        }
    }

    @Test("deliveries: Retry re-queues a dead one")
    func retryDelivery() async throws {
        let h = try await HTTPTestHarness()
        defer { h.remove() }
        let job = try await h.addJob("nightly")
        let id = try h.insertDelivery(status: .dead, job: job)
        try await h.app().test(.router) { client in
            let s = try await DashboardTestSession.signIn(client, token: h.operatorToken)
            let r = try await s.post(client, "/deliveries/\(id)/retry")
            #expect(r.headers[.location] == "/deliveries")
            #expect(try await h.client.deliveries(status: .pending).map(\.id) == [id])
            #expect(try await s.get(client, "/deliveries").1.contains("queued again"))
        }
    }
}
