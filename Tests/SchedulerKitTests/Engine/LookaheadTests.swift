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
}
