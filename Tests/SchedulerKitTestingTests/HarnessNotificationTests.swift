import Foundation
import SchedulerKit
import SchedulerKitTesting
import Testing

@Suite("SchedulerHarness: captured notifications")
struct HarnessNotificationTests {
    struct Boom: Error, CustomStringConvertible { var description: String { "backup target unreachable" } }

    private func failingJob(_ harness: SchedulerHarness) async throws {
        harness.register("backup") { _ in throw Boom() }
        var spec = try JobSpec(name: "backup", schedule: .cron("0 3 * * *"), kind: "backup")
        spec.stateWebhookURL = "https://hooks.example.com/state"
        try await harness.client.addJob(spec)
    }

    @Test("a failure alert is captured with the real body and a signature that verifies")
    func signedWebhookAlert() async throws {
        let harness = try SchedulerHarness()
        try await failingJob(harness)
        try await harness.client.addAlert("backup", .webhook("https://hooks.example.com/alerts", secret: "topsecret"))
        try await harness.client.addAlert("backup", .webhook("https://hooks.example.com/unsigned"))
        try await harness.advance(by: 86_400)

        let run = try #require(try await harness.expectRuns(of: "backup", status: .failed, count: 1).first)
        let alerts = try harness.expectAlerts(of: "backup", event: "run.failed", channel: .webhook, count: 2)
        let signed = try #require(alerts.first { $0.target.hasSuffix("/alerts") })
        let unsigned = try #require(alerts.first { $0.target.hasSuffix("/unsigned") })

        #expect(signed.hasValidSignature(secret: "topsecret"))
        #expect(!signed.hasValidSignature(secret: "other"))
        #expect(signed.signature?.hasPrefix("t=\(Int64(run.finishedAt!.timeIntervalSince1970)),v1=") == true)
        #expect(unsigned.signature == nil)
        #expect(signed.header("x-schedulerkit-event") == "run.failed")
        #expect(signed.header("X-SchedulerKit-Delivery") == signed.delivery.id)
        #expect(signed.header("Content-Type") == "application/json")

        let body = try signed.json()
        #expect(body["type"] == "run.failed")
        #expect(body["idempotency_key"] == .string("\(run.id.rawValue):failed"))
        #expect(body["job"]?["name"] == "backup")
        #expect(body["run"]?["status"] == "failed")
        #expect(body["run"]?["error_type"] == "user")
        #expect(body["run"]?["error_message"] == "backup target unreachable")
    }

    @Test("state webhooks capture every transition of the run, in order")
    func stateWebhook() async throws {
        let harness = try SchedulerHarness()
        try await failingJob(harness)
        try await harness.advance(by: 86_400)
        let states = harness.notifications.stateChanges
        #expect(states.allSatisfy { $0.target == "https://hooks.example.com/state" && $0.signature == nil })
        let statuses = try states.map { capture -> String in
            guard case .string(let s)? = try capture.json()["run"]?["status"] else { return "?" }
            return s
        }
        #expect(statuses.last == "failed")
        #expect(statuses.contains("running"))
        #expect(harness.notifications.alerts.isEmpty)
    }

    @Test("an email alert is captured with its subject, not sent")
    func emailAlert() async throws {
        let harness = try SchedulerHarness()
        try await failingJob(harness)
        try await harness.client.addAlert("backup", .email("ops@example.com"))
        try await harness.advance(by: 86_400)
        let mail = try #require(try harness.expectAlerts(of: "backup", event: "run.failed", channel: .email).first)
        #expect(mail.target == "ops@example.com")
        #expect(mail.subject == "[SchedulerKit] backup: run failed")
        #expect(mail.headers.isEmpty)
        let deliveries = try await harness.client.deliveries()
        #expect(!deliveries.isEmpty && deliveries.allSatisfy { $0.status == .delivered })
    }
}
