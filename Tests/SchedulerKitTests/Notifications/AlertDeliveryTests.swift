import Foundation
import SchedulerKitTestSupport
import Testing
import Synchronization
@testable import SchedulerKit

/// End to end: runs end, the outbox is written in the same transaction, the dispatcher delivers
/// to real receivers on 127.0.0.1 (an HTTP server, aiosmtpd).
@Suite("Alerts and state webhooks, delivered")
struct AlertDeliveryTests {
    static func failingHarness(configure: @escaping (inout Scheduler.Configuration) -> Void = { _ in }) async throws -> EngineHarness {
        try await EngineHarness.start(register: { s in
            s.register("boom") { ctx in
                ctx.appendOutput("disk full\n")
                throw RunFailure(.exitNonzero, "exit status 2", exitCode: 2)
            }
            s.register("slow") { _ in try await Task.sleep(for: .seconds(3600)) }
            s.register("noop") { _ in }
        }, configure: configure)
    }

    @Test("a failed run produces one signed POST with the SPEC headers and body; the run's status is untouched")
    func signedWebhook() async throws {
        let receiver = try await TestHTTPReceiver.start()
        let h = try await Self.failingHarness()
        try await h.client.addJob(JobSpec(name: "backup", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "boom"))
        try await h.client.addAlert("backup", .webhook(receiver.url("/hook"), secret: "s3cret"))
        h.advance(by: 60)
        let run = try await h.events.finished()[0]
        let request = try await receiver.request(1, timeout: .seconds(10))
        #expect(request.method == "POST")
        #expect(request.path == "/hook")
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("User-Agent") == "SchedulerKit/\(SchedulerKitVersion.string)")
        #expect(request.header("X-SchedulerKit-Event") == "run.failed")
        let deliveryId = try #require(request.header("X-SchedulerKit-Delivery"))
        let signature = try #require(request.header("X-SchedulerKit-Signature"))
        #expect(WebhookSigner.verify(header: signature, secret: "s3cret", body: request.body, now: h.clock.now()))
        #expect(!WebhookSigner.verify(header: signature, secret: "wrong", body: request.body, now: h.clock.now()))

        let body = try JSONValue.parse(request.bodyString)
        #expect(body["id"] == .string(deliveryId))
        #expect(body["type"] == "run.failed")
        #expect(body["idempotency_key"] == .string("\(run.id):failed"))
        #expect(body["occurred_at"] == "2026-11-23T09:01:00.000Z")
        #expect(body["job"]?["name"] == "backup")
        let r = try #require(body["run"])
        #expect(r["id"] == .string(run.id.rawValue))
        #expect(r["status"] == "failed")
        #expect(r["trigger"] == "schedule")
        #expect(r["attempt"] == 1)
        #expect(r["scheduled_for"] == "2026-11-23T09:01:00.000Z")
        #expect(r["exit_code"] == 2)
        #expect(r["error_type"] == "user")
        #expect(r["error_code"] == "exit_nonzero")
        #expect(r["error_message"] == "exit status 2")
        #expect(r["output_tail"] == "disk full\n")
        for key in ["started_at", "finished_at"] { #expect(r[key] != nil) }

        let deliveries = try await h.store.deliveries(DeliveryQuery())
        #expect(deliveries.count == 1)
        try await waitForDelivery(h, id: deliveryId, status: .delivered)
        #expect(try await h.store.run(id: run.id)?.status == .failed)
        await receiver.shutdown()
        try await h.stop()
    }

    @Test("a receiver answering 500 twice then 200 gets the same delivery three times, with backoff")
    func retriesThenDelivers() async throws {
        let receiver = try await TestHTTPReceiver.start(script: [.status(500), .status(500)])
        let h = try await Self.failingHarness()
        try await h.client.addJob(JobSpec(name: "j", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "boom"))
        try await h.client.addAlert("j", .webhook(receiver.url("/r")))
        h.advance(by: 60)
        let first = try await receiver.request(1, timeout: .seconds(10))
        let id = try #require(first.header("X-SchedulerKit-Delivery"))
        try await waitForDelivery(h, id: id, status: .pending, attempts: 1)
        h.advance(by: 10)  // past the first backoff (2 s ± 50 %)
        let second = try await receiver.request(2, timeout: .seconds(10))
        try await waitForDelivery(h, id: id, status: .pending, attempts: 2)
        h.advance(by: 10)  // past the second (4 s ± 50 %)
        let third = try await receiver.request(3, timeout: .seconds(10))
        #expect(second.header("X-SchedulerKit-Delivery") == id)
        #expect(third.header("X-SchedulerKit-Delivery") == id)
        #expect(first.body == third.body)
        let d = try await waitForDelivery(h, id: id, status: .delivered, attempts: 3)
        #expect(d.lastStatusCode == 200)
        #expect(d.deliveredAt != nil)
        await receiver.shutdown()
        try await h.stop()
    }

    @Test("a 404 is a permanent failure after one attempt; a receiver that keeps failing ends dead")
    func permanentAndDead() async throws {
        let gone = try await TestHTTPReceiver.start(defaultAction: .status(404))
        let broken = try await TestHTTPReceiver.start(defaultAction: .status(503))
        let h = try await Self.failingHarness { $0.dispatcher.maxAttempts = 2 }
        try await h.client.addJob(JobSpec(name: "j", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "boom"))
        let a = try await h.client.addAlert("j", .webhook(gone.url("/gone")))
        let b = try await h.client.addAlert("j", .webhook(broken.url("/broken")))
        h.advance(by: 60)
        _ = try await gone.request(1, timeout: .seconds(10))
        _ = try await broken.request(1, timeout: .seconds(10))
        let all = try await h.store.deliveries(DeliveryQuery())
        let ida = try #require(all.first { $0.alertId == a.id }?.id)
        let idb = try #require(all.first { $0.alertId == b.id }?.id)
        let failed = try await waitForDelivery(h, id: ida, status: .failed, attempts: 1)
        #expect(failed.lastStatusCode == 404)
        try await waitForDelivery(h, id: idb, status: .pending, attempts: 1)
        h.advance(by: 10)
        let dead = try await waitForDelivery(h, id: idb, status: .dead, attempts: 2)
        #expect(dead.lastError?.contains("gave up after 2 attempts") == true)
        #expect(gone.requests.count == 1)
        #expect(try await h.store.runs(RunQuery()).first?.status == .failed)
        await gone.shutdown()
        await broken.shutdown()
        try await h.stop()
    }

    @Test("alerts fire only on their statuses: a success sends nothing, on_timeout=false skips timeouts")
    func alertFilters() async throws {
        let receiver = try await TestHTTPReceiver.start()
        let h = try await Self.failingHarness()
        var slow = JobSpec(name: "slow", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "slow")
        slow.timeout = 5
        try await h.client.addJob(slow)
        var spec = AlertSpec.webhook(receiver.url("/t"))
        spec.onTimeout = false
        try await h.client.addAlert("slow", spec)
        try await h.client.addJob(JobSpec(name: "ok", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "noop"))
        try await h.client.addAlert("ok", .webhook(receiver.url("/ok")))
        h.advance(by: 60)
        _ = try await h.events.finished { $0.status == .succeeded }
        h.advance(by: 5)
        _ = try await h.events.finished { $0.status == .timedOut }
        #expect(try await h.store.deliveries(DeliveryQuery()).isEmpty)
        #expect(receiver.requests.isEmpty)
        await receiver.shutdown()
        try await h.stop()
    }

    @Test("a state webhook receives queued, running and the terminal status, in order")
    func stateWebhookOrder() async throws {
        let receiver = try await TestHTTPReceiver.start()
        let h = try await Self.failingHarness()
        var spec = JobSpec(name: "watched", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "noop")
        spec.stateWebhookURL = receiver.url("/state")
        try await h.client.addJob(spec)
        h.advance(by: 60)
        var statuses: [String] = []
        var previous: [String] = []
        for k in 1...3 {
            // A generous deadline: on two busy cores a delivery can take seconds to go out.
            let req = try await receiver.request(k, timeout: .seconds(30))
            #expect(req.header("X-SchedulerKit-Event") == "run.state_changed")
            #expect(req.header("X-SchedulerKit-Signature") == nil)
            let body = try JSONValue.parse(req.bodyString)
            if case .string(let s)? = body["run"]?["status"] { statuses.append(s) }
            if case .string(let s)? = body["previous_status"] { previous.append(s) } else { previous.append("null") }
        }
        #expect(statuses == ["queued", "running", "succeeded"])
        #expect(previous == ["null", "queued", "running"])
        await receiver.shutdown()
        try await h.stop()
    }

    @Test("a state webhook with a secret is signed like an alert, on every transition")
    func signedStateWebhook() async throws {
        let receiver = try await TestHTTPReceiver.start()
        let h = try await Self.failingHarness()
        var spec = JobSpec(name: "signed", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "noop")
        spec.stateWebhookURL = receiver.url("/state")
        spec.stateWebhookSecret = "state-s3cret"
        try await h.client.addJob(spec)
        #expect(try await h.client.job("signed").stateWebhookSecret == "state-s3cret")
        h.advance(by: 60)
        for k in 1...3 {
            // A generous deadline: on two busy cores a delivery can take seconds to go out.
            let req = try await receiver.request(k, timeout: .seconds(30))
            let signature = try #require(req.header("X-SchedulerKit-Signature"), "transition \(k) unsigned")
            #expect(WebhookSigner.verify(header: signature, secret: "state-s3cret", body: req.body, now: h.clock.now()))
            #expect(!WebhookSigner.verify(header: signature, secret: "wrong", body: req.body, now: h.clock.now()))
        }
        await receiver.shutdown()
        try await h.stop()
    }

    @Test("a timed-out run with an email alert sends the SPEC mail through a real SMTP server")
    func emailOnTimeout() async throws {
        let peer = try await SMTPTestPeer.start()
        let h = try await Self.failingHarness {
            $0.smtp = SMTPConfiguration(host: "127.0.0.1", port: peer.port, security: .none, from: "schedctl@example.com")
        }
        var spec = JobSpec(name: "nightly", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "slow")
        spec.timeout = 5
        try await h.client.addJob(spec)
        try await h.client.addAlert("nightly", .email("ops@example.com"))
        h.advance(by: 60)
        _ = try await h.events.started()
        h.advance(by: 5)
        let run = try await h.events.finished()[0]
        #expect(run.status == .timedOut)
        let delivery = try #require(try await h.store.deliveries(DeliveryQuery()).first)
        try await waitForDelivery(h, id: delivery.id, status: .delivered)
        let mail = try #require(try peer.messages().first)
        #expect(mail.subject == "[SchedulerKit] nightly: run timed_out")  // the library's default prefix
        #expect(mail.rcpt_tos == ["ops@example.com"])
        #expect(mail.text.contains(run.id.rawValue))
        #expect(mail.text.contains("timed_out"))
        #expect(mail.text.contains("timeout"))
        #expect(mail.headers["Message-ID"] != nil || mail.headers["Message-Id"] != nil)
        await peer.stop()
        try await h.stop()
    }

    /// Waits for the dispatcher's event saying delivery `id` was recorded with `status` (and `attempts`).
    @discardableResult
    func waitForDelivery(_ h: EngineHarness, id: String, status: DeliveryStatus, attempts: Int? = nil, timeout: Double = 10) async throws -> Delivery {
        try await h.events.wait(timeout: timeout) {
            if case .deliveryAttempted(let d, let r) = $0 {
                return d.id == id && r.status == status && (attempts == nil || r.attempts == attempts)
            }
            return false
        }
        return try #require(try await h.store.deliveries(DeliveryQuery(limit: nil)).first { $0.id == id })
    }
}
