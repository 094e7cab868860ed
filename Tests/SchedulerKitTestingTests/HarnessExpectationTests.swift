import Foundation
import SchedulerKit
import SchedulerKitTesting
import Testing

@Suite("SchedulerHarness: expectation helpers fail with what they found")
struct HarnessExpectationTests {
    @Test("each helper throws a HarnessExpectationFailure naming the expectation and the facts")
    func failures() async throws {
        let harness = try SchedulerHarness()
        harness.register("tick") { _ in }
        try await harness.client.addJob(JobSpec(name: "j", schedule: .cron("0 * * * *"), kind: "tick"))
        try await harness.advance(by: 2 * 3600)

        let runs = await #expect(throws: HarnessExpectationFailure.self) {
            try await harness.expectRuns(of: "j", status: .failed, count: 1)
        }
        #expect(runs?.message == "expected 1 run(s) of j with status failed, found 0; its runs: [\"succeeded\", \"succeeded\"]")
        #expect(runs?.description.hasPrefix("SchedulerKitTestingTests/HarnessExpectationTests.swift:") == true)

        let job = await #expect(throws: HarnessExpectationFailure.self) {
            try await harness.expectJob("j", status: .failed, consecutiveErrors: 3)
        }
        #expect(job?.message == "job j: status active, expected failed; consecutiveErrors 0, expected 3")

        let audit = await #expect(throws: HarnessExpectationFailure.self) { try await harness.expectAudit("job.auto_fail", job: "j") }
        #expect(audit?.message == "expected 1 audit entry job.auto_fail of j, found 0; actions: [\"job.create\"]")

        await #expect(throws: HarnessExpectationFailure.self) { try await harness.expectQueuedManualRuns(of: "j", count: 1) }
        #expect(throws: HarnessExpectationFailure.self) { try harness.expectAlerts(of: "j", event: "run.failed") }

        // And they pass, returning what they matched, when the facts agree.
        #expect(try await harness.expectRuns(of: "j", status: .succeeded, count: 2).count == 2)
        #expect(try await harness.expectJob("j", status: .active, consecutiveErrors: 0).name == "j")
        #expect(try await harness.expectAudit("job.create", job: "j").count == 1)
    }
}
