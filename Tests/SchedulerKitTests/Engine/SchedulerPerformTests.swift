import Foundation
import Testing
@testable import SchedulerKit

/// The one-step seam: claim, ``Scheduler/perform(_:)``, record — the engine without its loop.
@Suite("Scheduler.perform(_:): one claimed run, performed as the claim loop does")
struct SchedulerPerformTests {
    @Test("the registered handler runs with its context; the ending is returned unrecorded, then recorded")
    func performsAndReturnsTheEnding() async throws {
        let db = try EngineDatabase.make()
        defer { db.remove() }
        let store = try SQLiteJobStore(path: db.path)
        let start = try #require(ISO8601.parse("2026-11-23T09:00:00Z"))
        let clock = ManualClock(now: start)
        let scheduler = Scheduler(store: store, clock: clock)
        scheduler.register("echo") { context in context.appendOutput("run \(context.runId) of \(context.job.name)") }
        scheduler.register("fail") { _ in throw SystemFailure("disk gone") }
        try await scheduler.client.addJob(JobSpec(name: "a", schedule: .every("1m", anchor: start), kind: "echo"))
        try await scheduler.client.addJob(JobSpec(name: "b", schedule: .every("1m", anchor: start), kind: "fail"))
        try await scheduler.client.addJob(JobSpec(name: "c", schedule: .every("1m", anchor: start), kind: "unregistered"))
        clock.advance(by: 60)

        let claim = try await store.claimDueRuns(ClaimParams(now: clock.now(), owner: scheduler.owner, maxStart: 10))
        #expect(claim.started.count == 3)
        var endings: [String: CompleteRunParams] = [:]
        for claimed in claim.started { endings[claimed.job.name] = await scheduler.perform(claimed) }

        let a = try #require(endings["a"])
        #expect(a.outcome.status == .succeeded)
        #expect(a.outcome.output == "run \(a.runId) of a")
        #expect(a.now == clock.now())
        #expect(endings["b"]?.outcome.status == .systemError)
        #expect(endings["b"]?.outcome.errorCode == RunErrorCode.systemFailure.rawValue)
        #expect(endings["c"]?.outcome.errorCode == RunErrorCode.handlerMissing.rawValue)
        // Nothing is recorded until the caller records it.
        #expect(try await store.run(id: a.runId)?.status == .running)

        let results = try await store.completeRuns(Array(endings.values))
        #expect(Set(results.map(\.run.status)) == [.succeeded, .systemError])
        #expect(try await store.run(id: a.runId)?.status == .succeeded)
    }
}
