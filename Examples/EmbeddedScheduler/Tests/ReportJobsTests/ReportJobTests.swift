// The example program's tests: its handler and its schedule, driven by SchedulerKitTesting with
// no real time passing and no network. They run with `swift test --package-path
// Examples/EmbeddedScheduler`, and in the main package's `swift test` (decision 0013), where
// ReportJob.swift is compiled into this test module instead of imported.
import Foundation
import SchedulerKit
import SchedulerKitTesting
import Testing

#if canImport(ReportJobs)
import ReportJobs
#endif

@Suite("Example: the report job")
struct ReportJobTests {
    let team = ReportRequest(recipients: ["team@example.com"], title: "Weekly report")

    private func harness(at instant: String = "2026-03-27T12:00:00Z") throws -> SchedulerHarness {
        let harness = try SchedulerHarness(now: #require(ISO8601.parse(instant)))
        harness.register(ReportJob.kind, handler: ReportJob.handler)
        return harness
    }

    @Test("builds the report and records its output")
    func succeeds() async throws {
        let harness = try harness()
        let run = try await harness.perform(kind: ReportJob.kind, payload: JobPayload(team), timeout: 30)
        #expect(run.status == .succeeded)
        #expect(run.output == "built Weekly report for team@example.com\n")
        #expect(run.errorType == nil)
    }

    @Test("no recipients is the platform's fault: system_error, and the streak does not grow")
    func missingRecipients() async throws {
        let harness = try harness()
        try await harness.client.addJob(ReportJob.spec(
            schedule: .cron("0 7 * * *", timeZone: "Europe/Paris"), request: ReportRequest(recipients: [], title: "Weekly report")))
        try await harness.advance(by: 2 * 86_400)
        let runs = try await harness.expectRuns(of: "weekly-report", status: .systemError, count: 2)
        #expect(runs.allSatisfy { $0.errorType == .system && $0.errorCode == "system_failure" })
        try await harness.expectJob("weekly-report", status: .active, consecutiveErrors: 0)
    }

    @Test("a 02:30 Paris schedule fires at 03:00 on the night the clocks go forward, once each day")
    func acrossSpringForward() async throws {
        let harness = try harness()
        try await harness.client.addJob(ReportJob.spec(schedule: .cron("30 2 * * *", timeZone: "Europe/Paris"), request: team))
        // 2026-03-29 02:00 CET becomes 03:00 CEST: 02:30 does not exist that night.
        try await harness.advance(to: #require(ISO8601.parse("2026-03-31T00:00:00Z")))
        let runs = try await harness.expectRuns(of: "weekly-report", status: .succeeded, count: 3)
        #expect(runs.map { ISO8601.string($0.scheduledFor) } == [
            "2026-03-28T01:30:00.000Z",  // 02:30 CET
            "2026-03-29T01:00:00.000Z",  // 03:00 CEST, the first instant after the gap
            "2026-03-30T00:30:00.000Z",  // 02:30 CEST
        ])
    }

    @Test("a report without a title fails the run, and the signed alert carries the failure")
    func alertOnFailure() async throws {
        let harness = try harness()
        try await harness.client.addJob(ReportJob.spec(
            schedule: .cron("0 7 * * *", timeZone: "Europe/Paris"), request: ReportRequest(recipients: ["a@example.com"], title: "")))
        try await harness.client.addAlert("weekly-report", .webhook("https://hooks.example.com/reports", secret: "s3cret"))
        try await harness.advance(by: 86_400)

        let run = try #require(try await harness.expectRuns(of: "weekly-report", status: .failed, count: 1).first)
        let alert = try #require(try harness.expectAlerts(of: "weekly-report", event: "run.failed").first)
        #expect(alert.target == "https://hooks.example.com/reports")
        #expect(alert.hasValidSignature(secret: "s3cret"))
        #expect(!alert.hasValidSignature(secret: "wrong"))
        let body = try alert.json()
        #expect(body["run"]?["id"] == .string(run.id.rawValue))
        #expect(body["run"]?["error_code"] == "handler_error")
        #expect(body["run"]?["error_message"] == "a report needs a title")
        try await harness.expectJob("weekly-report", status: .active, consecutiveErrors: 1)
    }
}
