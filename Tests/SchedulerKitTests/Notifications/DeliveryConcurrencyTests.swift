import Foundation
import SchedulerKitTestSupport
import Testing
@testable import SchedulerKit

/// Deliveries never wait on each other: receivers that hang hold only their own slots, results
/// are recorded as they come, retries go out on time, alerts of reaped runs go out at once, and
/// every attempt is logged. Real receivers on 127.0.0.1; the scheduler's clock is manual, the
/// promises (≤ 5 s) are real time.
@Suite("Delivery concurrency")
struct DeliveryConcurrencyTests {
    @Test("hanging receivers delay no other delivery: a healthy POST within 5 s, a 500's retry on schedule, shutdown bounded")
    func hangingReceiversDelayNoOne() async throws {
        let hanging = [
            try await TestHTTPReceiver.start(defaultAction: .hang), try await TestHTTPReceiver.start(defaultAction: .hang),
            try await TestHTTPReceiver.start(defaultAction: .hang),
        ]
        let flaky = try await TestHTTPReceiver.start(script: [.status(500)])
        let healthy = try await TestHTTPReceiver.start()
        let h = try await AlertDeliveryTests.failingHarness()
        try await h.client.addJob(JobSpec(name: "a", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "boom"))
        // 36 deliveries to hanging hosts: more than all the slots, so only a per-host bound
        // leaves room for anyone else.
        for receiver in hanging {
            for k in 0..<12 { try await h.client.addAlert("a", .webhook(receiver.url("/hang/\(k)"))) }
        }
        try await h.client.addAlert("a", .webhook(flaky.url("/flaky")))
        try await h.client.addJob(JobSpec(name: "b", schedule: .every(seconds: 3600, anchor: EngineHarness.t0), kind: "boom"))
        try await h.client.addAlert("b", .webhook(healthy.url("/healthy")))

        h.advance(by: 60)
        for receiver in hanging { _ = try await receiver.request(1, timeout: .seconds(10)) }
        let first = try await flaky.request(1, timeout: .seconds(10))
        let flakyId = try #require(first.header("X-SchedulerKit-Delivery"))
        // The 500 is recorded at once, not when the hanging attempts give up.
        try await AlertDeliveryTests().waitForDelivery(h, id: flakyId, status: .pending, attempts: 1, timeout: 5)

        // A new failure while the hanging attempts are in flight: its POST within 5 s.
        try await h.client.runJobNow("b")
        let post = try await healthy.request(1, timeout: .seconds(5))
        #expect(post.header("X-SchedulerKit-Event") == "run.failed")

        // The retry goes out when it is due, though the hanging attempts are still in flight.
        let pending = try #require(try await h.store.deliveries(DeliveryQuery(limit: nil)).first { $0.id == flakyId })
        let due = try #require(pending.nextAttemptAt)
        #expect(due > EngineHarness.t0.addingTimeInterval(60))
        h.advance(to: due)
        let retry = try await flaky.request(2, timeout: .seconds(5))
        #expect(retry.header("X-SchedulerKit-Delivery") == flakyId)
        try await AlertDeliveryTests().waitForDelivery(h, id: flakyId, status: .delivered, attempts: 2, timeout: 5)

        // Each hanging host holds at most its bound of attempts.
        let bound = DeliveryDispatcher.Configuration().maxInFlightPerHost
        for receiver in hanging { #expect(receiver.requests.count <= bound, "\(receiver.requests.count) in flight to one host") }

        // Shutdown does not wait for the hanging attempts' timeouts (15 s): grace (5 s), then cancel.
        let started = ContinuousClock.now
        try await h.stop()
        #expect(ContinuousClock.now - started < .seconds(12))
        for receiver in hanging + [flaky, healthy] { await receiver.shutdown() }
    }

    @Test("the reaper wakes the dispatcher: a lost run's run.system_error alert goes out within 5 s")
    func reapedRunAlertGoesOutAtOnce() async throws {
        let receiver = try await TestHTTPReceiver.start()
        let h = try await AlertDeliveryTests.failingHarness()
        let far = EngineHarness.t0.addingTimeInterval(3600)
        try await h.client.addJob(JobSpec(name: "lost", schedule: .at(far), kind: "noop"))
        try await h.client.addAlert("lost", .webhook(receiver.url("/lost")))
        // A worker on another host takes the run; its lease ends at t0 + 9 s, and the reaper's
        // first periodic pass (every 10 s) finds it — long before the dispatcher's 30 s poll.
        var claim = ClaimParams(now: far, owner: "elsewhere/4242/x", leaseDuration: -3591, maxStart: 1)
        claim.jitter = { _ in 0 }
        let taken = try await h.store.claimDueRuns(claim)
        #expect(taken.started.count == 1)
        // The reaper must be asleep until t0 + 10 s before time moves past it: on a busy machine
        // it may not have started its first sleep yet (then advancing first would strand it).
        let reaperPass = EngineHarness.t0.addingTimeInterval(10)
        let asleep = Date().addingTimeInterval(30)
        while !h.clock.deadlines.contains(reaperPass) && Date() < asleep { try await Task.sleep(for: .milliseconds(10)) }
        #expect(h.clock.deadlines.contains(reaperPass), "the reaper never slept until t0 + 10 s: \(h.clock.deadlines)")
        h.advance(by: 10)
        // Time stands still at t0 + 10 s, far from the dispatcher's 30 s poll: only the reaper's
        // wake can send it. The real-time deadline is loose for a loaded machine.
        let request = try await receiver.request(1, timeout: .seconds(20))
        #expect(request.header("X-SchedulerKit-Event") == "run.system_error")
        let body = try JSONValue.parse(request.bodyString)
        #expect(body["run"]?["error_code"] == "lost")
        await receiver.shutdown()
        try await h.stop()
    }

    @Test("every attempt is logged at INFO with delivery, event, job, host, status code and attempt; never a secret")
    func everyAttemptIsLogged() async throws {
        let receiver = try await TestHTTPReceiver.start(script: [.status(503)])
        let logs = LogCapture()
        let h = try await AlertDeliveryTests.failingHarness { $0.logger = logs.logger(level: .info) }
        try await h.client.addJob(JobSpec(name: "logged", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "boom"))
        // The marker is "UUU": Crockford base32 has no U, so no ULID in a log line can contain it
        // (with "XYZ" a job id like 01M8XJC0TH2XYXYZ… once failed this test).
        try await h.client.addAlert("logged", .webhook(receiver.url("/path-token-UUU?key=query-token-UUU"), secret: "s3cret-UUU"))
        h.advance(by: 60)
        let first = try await receiver.request(1, timeout: .seconds(10))
        let id = try #require(first.header("X-SchedulerKit-Delivery"))
        try await AlertDeliveryTests().waitForDelivery(h, id: id, status: .pending, attempts: 1)
        h.advance(by: 10)
        try await AlertDeliveryTests().waitForDelivery(h, id: id, status: .delivered, attempts: 2)

        let lines = logs.records.filter { $0.metadata["delivery"] == id && $0.level == .info }
        #expect(lines.count == 2, "\(lines.map(\.text))")
        for (line, (attempt, code, outcome)) in zip(lines, [("1", "503", "pending"), ("2", "200", "delivered")]) {
            #expect(line.metadata["attempt"] == attempt)
            #expect(line.metadata["status_code"] == code)
            #expect(line.metadata["outcome"] == outcome)
            #expect(line.metadata["event"] == "run.failed")
            #expect(line.metadata["job"] == "logged")
            #expect(line.metadata["target_host"] == "127.0.0.1:\(receiver.port)")
        }
        for record in logs.records {
            #expect(!record.text.contains("UUU"), "a secret, path or query was logged: \(record.text)")
        }
        await receiver.shutdown()
        try await h.stop()
    }
}
