import Foundation
import SchedulerKit
import Testing

extension JobStoreConformanceTests {
    /// Heartbeats, rescue of lost runs, wake-up times and change detection.
    @Suite("Leases")
    struct Leases {
        @Test(arguments: StoreKind.allCases)
        func heartbeatRenewsOnlyTheOwnersRunningRuns(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("a"))
                try await fx.store.insert(makeJob("b"))
                let mine = try await fx.store.claimDueRuns(claim(at: at(0), owner: workerA, maxStart: 1)).started[0].run
                let theirs = try await fx.store.claimDueRuns(claim(at: at(0), owner: workerB, maxStart: 1)).started[0].run
                let unknown = RunID("01KE6Z0000000000000000000")

                let beat = try await fx.store.recordHeartbeat(
                    HeartbeatParams(owner: workerA, runIds: [mine.id, theirs.id, unknown], now: at(10), leaseDuration: 30))
                #expect(beat.cancelRequested.isEmpty)
                #expect(beat.lost == [theirs.id, unknown])

                let renewed = try await fx.store.reload(mine)
                #expect(renewed.heartbeatAt == at(10))
                #expect(renewed.leaseExpiresAt == at(40))
                #expect(renewed.leaseOwner == workerA)
                #expect(try await fx.store.reload(theirs) == theirs)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func heartbeatReportsCancelRequestsAndRunsThatEnded(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let a = try await fx.store.insert(makeJob("a"))
                try await fx.store.insert(makeJob("b"))
                let started = try await fx.store.claimDueRuns(claim(at: at(0))).started.map(\.run)
                let runA = try #require(started.first { $0.jobId == a.id })
                let runB = try #require(started.first { $0.jobId != a.id })

                try await fx.store.deleteJob(id: a.id, audit: auditLine(.jobDelete, at: at(5)))
                try await fx.store.complete(runB, .succeeded(), at: at(6))
                let beat = try await fx.store.recordHeartbeat(
                    HeartbeatParams(owner: workerA, runIds: [runA.id, runB.id], now: at(10), leaseDuration: 30))
                #expect(beat.cancelRequested == [runA.id])
                #expect(beat.lost == [runB.id])
                #expect(try await fx.store.reload(runA).leaseExpiresAt == at(40))

                let none = try await fx.store.recordHeartbeat(HeartbeatParams(owner: workerA, runIds: [], now: at(11), leaseDuration: 30))
                #expect(none.cancelRequested.isEmpty && none.lost.isEmpty)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func expiredLeaseBecomesLostAndTheSlotIsNeverClaimedAgain(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(
                    makeJob("abandoned") {
                        $0.consecutiveErrors = 2
                        $0.retry = RetryPolicy(maxAttempts: 3)
                    })
                let run = try await fx.store.claimDueRuns(claim(at: at(0), lease: 30)).started[0].run

                // the lease ends at t0+30: not expired at that instant
                #expect(try await fx.store.rescueLostRuns(now: at(30), isOwnerGone: { _ in false }).isEmpty)
                #expect(try await fx.store.reload(run) == run)

                let rescued = try await fx.store.rescueLostRuns(now: at(30.001), isOwnerGone: { _ in false })
                #expect(rescued.count == 1)
                let lost = try await fx.store.reload(run)
                #expect(rescued.first?.run == lost)
                #expect(rescued.first?.recorded == true)
                #expect(rescued.first?.retry == nil)
                #expect(lost.status == .systemError)
                #expect(lost.errorType == .system)
                #expect(lost.errorCode == "lost")
                #expect(lost.finishedAt == at(30.001))
                let stored = try await fx.store.reload(job)
                #expect(stored.consecutiveErrors == 2)
                #expect(stored.lastRunStatus == .systemError)
                #expect(stored.status == .active)
                #expect(stored.nextRunAt == at(60))

                // the worker comes back too late: its completion is not recorded
                #expect(try await fx.store.complete(run, .succeeded(), at: at(31)).recorded == false)
                #expect(try await fx.store.reload(run).status == .systemError)

                let later = try await fx.store.claimDueRuns(claim(at: at(60), maxStart: 0))
                #expect(later.created.map(\.scheduledFor) == [at(60)])
                let slots = try await fx.store.allRuns(of: job).map(\.scheduledFor)
                #expect(slots == [at(0), at(60)])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func runsOfAGoneOwnerAreRescuedWithoutWaitingForTheLease(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("a"))
                try await fx.store.insert(makeJob("b"))
                let live = try await fx.store.claimDueRuns(claim(at: at(0), owner: workerA, maxStart: 1)).started[0].run
                let dead = try await fx.store.claimDueRuns(claim(at: at(0), owner: workerB, maxStart: 1)).started[0].run

                let rescued = try await fx.store.rescueLostRuns(now: at(1), isOwnerGone: { $0 == workerB })
                #expect(rescued.map(\.run.id) == [dead.id])
                #expect(try await fx.store.reload(dead).status == .systemError)
                #expect(try await fx.store.reload(dead).errorCode == "lost")
                #expect(try await fx.store.reload(live) == live)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func rescueIsANoOpWhenNothingIsLost(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                #expect(try await fx.store.rescueLostRuns(now: at(0), isOwnerGone: { _ in true }).isEmpty)
                let job = try await fx.store.insert(makeJob("healthy"))
                let queued = try await fx.store.claimDueRuns(claim(at: at(0), maxStart: 0)).created[0]
                // queued runs hold no lease: even a "gone" owner test leaves them alone
                #expect(try await fx.store.rescueLostRuns(now: at(3600), isOwnerGone: { _ in true }).isEmpty)
                #expect(try await fx.store.reload(queued) == queued)
                let running = try await fx.store.claimOne(at: at(1)).run
                #expect(try await fx.store.rescueLostRuns(now: at(2), isOwnerGone: { _ in false }).isEmpty)
                #expect(try await fx.store.reload(running) == running)
                #expect(try await fx.store.reload(job).consecutiveErrors == 0)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func nextWakeTimeIsTheEarliestOfNextRunAtAndQueuedNotBefore(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                #expect(try await fx.store.nextWakeTime() == nil)
                try await fx.store.insert(makeJob("paused") {
                    $0.status = .paused
                    $0.nextRunAt = nil
                })
                #expect(try await fx.store.nextWakeTime() == nil)

                try await fx.store.insert(makeJob("hourly", schedule: .every(seconds: 3600, anchor: at(100))))
                #expect(try await fx.store.nextWakeTime() == at(100))
                try await fx.store.insert(makeJob("jittery", schedule: .every(seconds: 3600, anchor: at(0))) { $0.jitter = 120 })
                #expect(try await fx.store.nextWakeTime() == at(0))

                // claiming at t0 queues the jittery run for t0+50 and moves its job to t0+3600
                _ = try await fx.store.claimDueRuns(claim(at: at(0), jitter: { _ in 50 }))
                #expect(try await fx.store.nextWakeTime() == at(50))
                _ = try await fx.store.claimDueRuns(claim(at: at(50)))
                #expect(try await fx.store.nextWakeTime() == at(100))
            }
        }

        @Test(arguments: StoreKind.allCases)
        func changeTokenMovesForAnotherStoresCommitsOnly(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let mine = fx.store
                let other = try await fx.openAnother()
                let start = try await mine.externalChangeToken()
                let job = try await mine.insert(makeJob("own"))
                _ = try await mine.claimDueRuns(claim(at: at(0)))
                try await mine.modifyJob(id: job.id) { _ in auditLine(.jobUpdate) }
                #expect(try await mine.externalChangeToken() == start)

                try await other.insert(makeJob("theirs"))
                let afterOther = try await mine.externalChangeToken()
                #expect(afterOther != start)
                #expect(try await mine.externalChangeToken() == afterOther)

                // reads by the other store are not changes
                _ = try await other.jobs(JobQuery())
                #expect(try await mine.externalChangeToken() == afterOther)
            }
        }
    }
}
