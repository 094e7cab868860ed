import Foundation
import Synchronization
import Testing
@testable import SchedulerKit

@Suite("Scheduler: lookahead and start-ahead")
struct LookaheadTests {
    /// Polls the store until `condition` holds; fails after `timeout` real seconds.
    static func eventually(
        _ what: String, timeout: Double = 60, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while try await !condition() {
            if ContinuousClock.now >= deadline {
                Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test("jobs due at one instant are queued ahead, leased just before it, and begin at it, not before")
    func startsAtTheInstant() async throws {
        let began = Mutex<[Date]>([])
        let h = try await EngineHarness.start { s in
            let clock = s.clock
            s.register("probe") { _ in began.withLock { $0.append(clock.now()) } }
        }
        let instant = EngineHarness.t0.addingTimeInterval(10)
        for i in 0..<3 {
            try await h.client.addJob(JobSpec(name: "at-\(i)", schedule: .at(instant), kind: "probe"))
        }

        h.advance(to: instant.addingTimeInterval(-0.3))
        try await Self.eventually("three queued runs") {
            try await h.store.runs(RunQuery(limit: nil)).filter { $0.status == .queued }.count == 3
        }
        for run in try await h.store.runs(RunQuery(limit: nil)) {
            #expect(run.notBefore == instant && run.scheduledFor == instant)
        }
        #expect(began.withLock { $0.isEmpty })

        h.advance(to: instant.addingTimeInterval(-0.03))
        try await Self.eventually("three runs leased") {
            try await h.store.runs(RunQuery(limit: nil)).filter { $0.status == .running }.count == 3
        }
        for run in try await h.store.runs(RunQuery(limit: nil)) {
            #expect(run.startedAt == instant, "a run leased ahead starts at its instant")
        }
        #expect(began.withLock { $0.isEmpty }, "no handler runs before the instant")

        h.advance(to: instant)
        let runs = try await h.events.finished(count: 3)
        #expect(runs.allSatisfy { $0.status == .succeeded && $0.startedAt == instant })
        #expect(began.withLock { $0.count == 3 && $0.allSatisfy { $0 >= instant } })
        try await h.stop()
    }

    @Test("a scheduler that stops gives back the slots it queued ahead; the job keeps its slot")
    func stopReleasesUpcomingSlots() async throws {
        let h = try await EngineHarness.start { s in s.register("noop") { _ in } }
        let instant = EngineHarness.t0.addingTimeInterval(60)
        let job = try await h.client.addJob(JobSpec(name: "tick", schedule: .every(seconds: 60, anchor: EngineHarness.t0), kind: "noop"))
        #expect(job.nextRunAt == instant)
        h.advance(to: instant.addingTimeInterval(-0.2))
        try await Self.eventually("the upcoming run queued") {
            try await h.store.runs(RunQuery(limit: nil)).count == 1
        }
        #expect(try await h.client.job("tick").nextRunAt == instant.addingTimeInterval(60))

        let store = h.store
        h.scheduler.shutdown()
        _ = try await h.task.value
        #expect(try await store.runs(RunQuery(jobId: job.id, limit: nil)).isEmpty, "the queued slot was released")
        #expect(try await store.job(id: job.id)?.nextRunAt == instant, "the slot is the job's next again")
        try? store.close()
        h.db.remove()
    }

    @Test("pausing a job inside the lookahead window withdraws its queued slot: it does not run")
    func pauseWithdrawsTheQueuedSlot() async throws {
        let ran = Mutex<[String]>([])
        let h = try await EngineHarness.start { s in
            s.register("probe") { context in ran.withLock { $0.append(context.job.name) } }
        }
        let every = Schedule.every(seconds: 60, anchor: EngineHarness.t0)
        let instant = EngineHarness.t0.addingTimeInterval(60)
        let paused = try await h.client.addJob(JobSpec(name: "paused", schedule: every, kind: "probe"))
        try await h.client.addJob(JobSpec(name: "sentinel", schedule: every, kind: "probe"))

        h.advance(to: instant.addingTimeInterval(-0.3))
        try await Self.eventually("both slots queued ahead") {
            try await h.store.runs(RunQuery(limit: nil)).filter { $0.status == .queued }.count == 2
        }
        try await h.client.pauseJob("paused")
        let withdrawn = try #require(try await h.store.runs(RunQuery(jobId: paused.id, limit: nil)).first)
        #expect(withdrawn.status == .cancelled && withdrawn.errorCode == "cancelled" && withdrawn.scheduledFor == instant)

        // The sentinel shares the instant: once it ran, the paused job's slot would have too.
        h.advance(to: instant)
        let done = try await h.events.finished { $0.jobName == "sentinel" }
        #expect(done.first?.status == .succeeded)
        #expect(ran.withLock { $0 } == ["sentinel"], "the paused job's queued slot did not run")
        #expect(try await h.store.runs(RunQuery(jobId: paused.id, limit: nil)).map(\.status) == [.cancelled])
        try await h.stop()
    }

    @Test("after a kill -9 inside the lookahead window, the next scheduler applies the misfire policy to the queued slot")
    func abandonedUpcomingSlotFollowsMisfirePolicy() async throws {
        let db = try EngineDatabase.make()
        defer { db.remove() }
        let t0 = EngineHarness.t0
        let slot = t0.addingTimeInterval(3600)
        let hourly = Schedule.every(seconds: 3600, anchor: t0)
        // A "previous process" queues both slots ahead of their instant, then dies (kill -9).
        do {
            let store = try SQLiteJobStore(path: db.path)
            let client = SchedulerClient(store: store, clock: ManualClock(now: t0))
            try await client.addJob(JobSpec(name: "skipper", schedule: hourly, kind: "probe", misfire: .skip))
            try await client.addJob(JobSpec(name: "once", schedule: hourly, kind: "probe", misfire: .runOnce))
            var params = ClaimParams(
                now: slot.addingTimeInterval(-0.4), owner: "\(WorkerIdentity.hostName())/999999/01DEADDEADDEADDEADDEADDEAD", maxStart: 0)
            params.horizon = slot.addingTimeInterval(0.1)
            #expect(try await store.claimDueRuns(params).created.count == 2)
            try store.close()
        }
        // The next scheduler starts five minutes later, past the misfire grace (60 s).
        let store = try SQLiteJobStore(path: db.path)
        let clock = ManualClock(now: slot.addingTimeInterval(300))
        let scheduler = Scheduler(store: store, clock: clock)
        let ran = Mutex<[(String, RunTrigger, Date)]>([])
        scheduler.register("probe") { c in ran.withLock { $0.append((c.job.name, c.run.trigger, c.run.scheduledFor)) } }
        let events = EventLog(scheduler.events())
        let task = Task { try await scheduler.run() }

        let once = try await events.finished { $0.jobName == "once" }
        #expect(once.first?.status == .succeeded && once.first?.trigger == .catchup && once.first?.scheduledFor == slot)
        let skipperId = try #require(try await store.job(named: "skipper")?.id)
        let skipped = try #require(try await store.runs(RunQuery(jobId: skipperId, limit: nil)).first)
        #expect(skipped.status == .skipped && skipped.errorCode == "misfire" && skipped.startedAt == nil, "\(skipped)")
        let calls = ran.withLock { $0 }
        #expect(calls.count == 1 && calls.first?.0 == "once" && calls.first?.1 == .catchup && calls.first?.2 == slot, "\(calls)")
        scheduler.shutdown()
        _ = try await task.value
        #expect(try await store.runs(RunQuery(limit: nil)).count == 2, "each missed slot is recorded once")
        try store.close()
    }
}
