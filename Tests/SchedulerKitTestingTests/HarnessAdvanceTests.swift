import Foundation
import SchedulerKit
import SchedulerKitTesting
import Synchronization
import Testing

/// Slots a handler saw, in the order it saw them.
final class SeenSlots: Sendable {
    private let dates = Mutex<[Date]>([])
    func append(_ date: Date) { dates.withLock { $0.append(date) } }
    var all: [Date] { dates.withLock { $0 } }
}

@Suite("SchedulerHarness: advancing time")
struct HarnessAdvanceTests {
    @Test("advance a day: an hourly job runs 24 times, in order, one run per slot")
    func hourlyForADay() async throws {
        let harness = try SchedulerHarness()
        let seen = SeenSlots()
        harness.register("tick") { context in seen.append(context.scheduledFor) }
        try await harness.client.addJob(JobSpec(name: "hourly", schedule: .cron("0 * * * *"), kind: "tick"))

        let ended = try await harness.advance(by: 86_400)

        #expect(ended.count == 24)
        let runs = try await harness.expectRuns(of: "hourly", status: .succeeded, count: 24)
        let slots = (1...24).map { SchedulerHarness.defaultStart.addingTimeInterval(Double($0) * 3600) }
        #expect(runs.map(\.scheduledFor) == slots)
        #expect(seen.all == slots)
        #expect(runs.allSatisfy { $0.trigger == .schedule && $0.startedAt == $0.scheduledFor })
        #expect(harness.now == SchedulerHarness.defaultStart.addingTimeInterval(86_400))
        try await harness.expectJob("hourly", status: .active, consecutiveErrors: 0)
    }

    @Test("advance(to:) stops short of a slot after the target, and never goes back")
    func targetBounds() async throws {
        let harness = try SchedulerHarness()
        harness.register("tick") { _ in }
        try await harness.client.addJob(JobSpec(
            name: "quarter", schedule: .every("15m", anchor: SchedulerHarness.defaultStart), kind: "tick"))
        try await harness.advance(to: SchedulerHarness.defaultStart.addingTimeInterval(44 * 60))
        try await harness.expectRuns(of: "quarter", count: 2)
        try await harness.advance(to: SchedulerHarness.defaultStart)
        #expect(harness.now == SchedulerHarness.defaultStart.addingTimeInterval(44 * 60))
        try await harness.advance(by: 60)
        try await harness.expectRuns(of: "quarter", count: 3)
    }

    @Test("a paused job does not run; run-now queues a manual run that runDue performs")
    func pausedAndManual() async throws {
        let harness = try SchedulerHarness()
        harness.register("tick") { _ in }
        try await harness.client.addJob(JobSpec(name: "j", schedule: .cron("0 * * * *"), kind: "tick"))
        try await harness.client.pauseJob("j")
        try await harness.advance(by: 3 * 3600)
        try await harness.expectRuns(of: "j", count: 0)

        try await harness.client.resumeJob("j")
        try await harness.client.runJobNow("j")
        try await harness.expectQueuedManualRuns(of: "j", count: 1)
        let ended = try await harness.runDue()
        #expect(ended.map(\.trigger) == [.manual])
        try await harness.expectQueuedManualRuns(of: "j", count: 0)
        try await harness.expectRuns(of: "j", status: .succeeded, count: 1)
        try await harness.expectAudit("job.run_now", job: "j")
    }

    @Test("a handler that waits on the harness clock moves time; past its timeout it is timed_out")
    func handlerWaitsOnTheClock() async throws {
        let harness = try SchedulerHarness()
        let clock = harness.clock
        harness.register("wait") { context in
            let seconds = try context.payload(as: Double.self)
            try await clock.sleep(seconds: seconds)
        }
        let quick = try await harness.perform(kind: "wait", payload: JobPayload(30.0), timeout: 60)
        #expect(quick.status == .succeeded)
        #expect(quick.duration == 30)

        let slow = try await harness.perform(kind: "wait", payload: JobPayload(120.0), timeout: 60)
        #expect(slow.status == .timedOut)
        #expect(slow.errorCode == "timeout")
        #expect(slow.duration == 60)
        #expect(harness.now == SchedulerHarness.defaultStart.addingTimeInterval(90))
    }

    @Test("runs due at the same instant wait on the clock together, and time moves to each deadline in order")
    func concurrentWaits() async throws {
        let harness = try SchedulerHarness()
        let clock = harness.clock
        harness.register("wait") { context in try await clock.sleep(seconds: try context.payload(as: Double.self)) }
        for (name, seconds) in [("a", 10.0), ("b", 40.0), ("c", 25.0)] {
            var spec = try JobSpec(name: name, schedule: .cron("0 * * * *"), kind: "wait", payload: try JobPayload(seconds))
            spec.timeout = 30
            try await harness.client.addJob(spec)
        }
        try await harness.advance(by: 3600)
        let a = try await harness.expectRuns(of: "a", status: .succeeded, count: 1)
        let b = try await harness.expectRuns(of: "b", status: .timedOut, count: 1)
        let c = try await harness.expectRuns(of: "c", status: .succeeded, count: 1)
        #expect(a.first?.duration == 10)
        #expect(b.first?.duration == 30)
        #expect(c.first?.duration == 25)
    }

    @Test("any store can be passed; the default one lives in a temporary directory")
    func customStore() async throws {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("harness-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteJobStore(path: directory.appendingPathComponent("mine.sqlite").path)
        let harness = try SchedulerHarness(store: store)
        #expect(harness.directory == nil)
        harness.register("tick") { _ in }
        try await harness.client.addJob(JobSpec(name: "j", schedule: .cron("*/10 * * * *"), kind: "tick"))
        try await harness.advance(by: 3600)
        #expect(try await store.runs(RunQuery(limit: nil)).count == 6)

        let temporary = try SchedulerHarness()
        let path = try #require(temporary.directory).appendingPathComponent("jobs.sqlite").path
        #expect(FileManager.default.fileExists(atPath: path))
    }
}
