// The complete example of Docs/Testing.md, kept here so the guide cannot drift from what works.
import Foundation
import SchedulerKit
import SchedulerKitTesting
import Synchronization
import Testing

/// A fake remote for the job under test: it refuses the first `failures` calls.
final class FlakyRemote: Sendable {
    private let remaining: Mutex<Int>
    init(failures: Int) { remaining = Mutex(failures) }

    func sync() throws {
        try remaining.withLock { left in
            if left > 0 {
                left -= 1
                throw RunFailure(.handlerError, "remote unavailable")
            }
        }
    }
}

@Suite("Docs/Testing.md: testing your jobs")
struct TestingGuideTests {
    static let start = ISO8601.parse("2026-11-23T00:00:00Z")!

    @Test("a handler that fails twice, then succeeds; an alert for each failure")
    func failsTwiceThenSucceeds() async throws {
        let harness = try SchedulerHarness(now: Self.start)
        let remote = FlakyRemote(failures: 2)
        harness.register("sync") { context in
            try remote.sync()
            context.appendOutput("synced")
        }
        try await harness.client.addJob(JobSpec(name: "sync-invoices", schedule: .cron("0 * * * *"), kind: "sync"))
        try await harness.client.addAlert("sync-invoices", .webhook("https://hooks.example.com/ops", secret: "s3cret"))

        try await harness.advance(by: 3 * 3600)

        let runs = try await harness.runs(of: "sync-invoices")
        #expect(runs.map(\.status) == [.failed, .failed, .succeeded])
        try await harness.expectJob("sync-invoices", status: .active, consecutiveErrors: 0)
        let alerts = try harness.expectAlerts(of: "sync-invoices", event: "run.failed", count: 2)
        #expect(alerts.allSatisfy { $0.hasValidSignature(secret: "s3cret") })
        #expect(try alerts[0].json()["run"]?["error_message"] == "remote unavailable")
    }

    @Test("a job that keeps failing is retired; resumeJob(force:) brings it back")
    func autoRetireAndForceResume() async throws {
        let harness = try SchedulerHarness(now: Self.start)
        let remote = FlakyRemote(failures: 3)
        harness.register("sync") { _ in try remote.sync() }
        var spec = try JobSpec(name: "sync-invoices", schedule: .cron("0 * * * *"), kind: "sync")
        spec.maxConsecutiveErrors = 3
        try await harness.client.addJob(spec)

        try await harness.advance(by: 5 * 3600)  // three failures retire it; hours 4 and 5 do not run

        try await harness.expectRuns(of: "sync-invoices", status: .failed, count: 3)
        let retired = try await harness.expectJob("sync-invoices", status: .failed, consecutiveErrors: 3)
        #expect(retired.nextRunAt == nil)
        try await harness.expectAudit("job.auto_fail", job: "sync-invoices")

        // Without force a failed job is refused; with force it is active again, streak cleared.
        await #expect(throws: SchedulerError.self) { try await harness.client.resumeJob("sync-invoices") }
        try await harness.client.resumeJob("sync-invoices", force: true)
        try await harness.expectJob("sync-invoices", status: .active, consecutiveErrors: 0)
        try await harness.expectAudit("job.resume:force", job: "sync-invoices")

        try await harness.advance(by: 3600)
        try await harness.expectRuns(of: "sync-invoices", status: .succeeded, count: 1)
    }

    @Test("a 01:30 New York schedule across the fall-back night fires once a day, at the first 01:30")
    func acrossFallBack() async throws {
        let harness = try SchedulerHarness(now: ISO8601.parse("2026-10-31T00:00:00Z")!)
        harness.register("sync") { _ in }
        try await harness.client.addJob(JobSpec(
            name: "nightly", schedule: .cron("30 1 * * *", timeZone: "America/New_York"), kind: "sync"))

        // 2026-11-01 02:00 EDT becomes 01:00 EST: 01:30 happens twice that night.
        try await harness.advance(to: ISO8601.parse("2026-11-03T00:00:00Z")!)

        let runs = try await harness.expectRuns(of: "nightly", status: .succeeded, count: 3)
        #expect(runs.map { ISO8601.string($0.scheduledFor) } == [
            "2026-10-31T05:30:00.000Z",  // 01:30 EDT
            "2026-11-01T05:30:00.000Z",  // 01:30 EDT, the first of the two
            "2026-11-02T06:30:00.000Z",  // 01:30 EST
        ])
    }
}
