import Foundation
import SchedulerKit
import Testing

/// `SQLiteJobStore.localChanges` wakes an engine in the same process at once after an operator
/// write, and stays quiet for the engine's own transitions.
@Suite("SQLiteJobStore local changes")
struct SQLiteJobStoreLocalChangesTests {
    @Test func operatorWritesSignalAndEngineTransitionsDoNot() async throws {
        try await TemporaryDatabase.with { db in
            let store = try SQLiteJobStore(path: db.path)
            defer { try? store.close() }
            let client = SchedulerClient(store: store, clock: ManualClock(now: t0))

            var seen = store.localChanges.generation
            let job = try await client.addJob(JobSpec(name: "signalled", schedule: .every(seconds: 60, anchor: t0), kind: "test"))
            #expect(store.localChanges.generation != seen)

            seen = store.localChanges.generation
            let claimed = try await store.claimDueRuns(claim(at: at(60)))
            try await store.complete(try #require(claimed.started.first).run, .succeeded(), at: at(61))
            _ = try await store.recordHeartbeat(HeartbeatParams(owner: workerA, runIds: [], now: at(62), leaseDuration: 30))
            _ = try await store.rescueLostRuns(now: at(63), isOwnerGone: { _ in false })
            #expect(store.localChanges.generation == seen)

            for action in [
                { try await client.pauseJob("signalled") }, { try await client.resumeJob("signalled") },
                { try await client.runJobNow("signalled") }, { try await client.deleteJob(job.id.rawValue) },
            ] as [@Sendable () async throws -> Any] {
                seen = store.localChanges.generation
                _ = try await action()
                #expect(store.localChanges.generation != seen)
            }
        }
    }

    @Test func aWaiterWakesForANotificationItHasNotSeen() async throws {
        let signal = ChangeSignal()
        let before = signal.generation
        signal.notify()
        // level-triggered: arriving after the notification still returns at once
        await signal.wait(after: before)

        let seen = signal.generation
        async let woke: Void = signal.wait(after: seen)
        signal.notify()
        await woke
        #expect(signal.generation != seen)
    }
}
