import Foundation
import SchedulerKit

/// The harness's clock: a ``ManualClock`` that also tells the harness when a handler sleeps on
/// it, so the harness can move time forward while every run in flight is waiting.
struct HarnessClock: SchedulerClock {
    /// True inside a handler registered through ``SchedulerHarness/register(_:handler:)``; the
    /// engine's own sleeps (a run's timeout) happen outside it.
    @TaskLocal static var insideHandler = false

    let manual: ManualClock
    let activity: HarnessActivity

    func now() -> Date { manual.now() }

    func sleep(until deadline: Date) async throws {
        guard Self.insideHandler else { return try await manual.sleep(until: deadline) }
        let token = activity.sleepBegan(until: deadline)
        defer { activity.sleepEnded(token) }
        try await manual.sleep(until: deadline)
    }
}
