import Foundation
import SchedulerKit
import SchedulerKitTesting
import XCTest

/// The harness from XCTest: the same calls, failures reported as thrown errors.
final class HarnessXCTestTests: XCTestCase {
    func testAdvanceAndExpectFromXCTest() async throws {
        let harness = try SchedulerHarness()
        harness.register("tick") { _ in }
        try await harness.client.addJob(JobSpec(name: "every-5m", schedule: .every("5m", anchor: SchedulerHarness.defaultStart), kind: "tick"))
        try await harness.advance(by: 3600)
        let runs = try await harness.expectRuns(of: "every-5m", status: .succeeded, count: 12)
        XCTAssertEqual(runs.last?.scheduledFor, SchedulerHarness.defaultStart.addingTimeInterval(3600))
        do {
            try await harness.expectJob("every-5m", status: .paused)
            XCTFail("expectJob should have thrown")
        } catch let failure as HarnessExpectationFailure {
            XCTAssertEqual(failure.message, "job every-5m: status active, expected paused")
        }
    }
}
