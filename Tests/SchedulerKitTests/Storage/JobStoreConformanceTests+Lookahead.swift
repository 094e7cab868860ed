import Foundation
import SchedulerKit
import Testing

extension JobStoreConformanceTests {
    @Suite("Lookahead")
    struct Lookahead {
        static func ahead(at now: Date, by seconds: Double, owner: String = workerA, maxStart: Int = 10) -> ClaimParams {
            var params = claim(at: now, owner: owner, maxStart: maxStart)
            params.horizon = now.addingTimeInterval(seconds)
            return params
        }

        @Test(arguments: StoreKind.allCases)
        func slotWithinTheHorizonIsQueuedForItsInstantAndStartedThen(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("minutely", nextRunAt: at(10)))
                let early = try await fx.store.claimDueRuns(Self.ahead(at: at(9.6), by: 0.5))
                #expect(early.started.isEmpty, "a run never starts before its instant")
                let queued = try #require(early.created.first)
                #expect(early.created.count == 1)
                #expect(queued.status == .queued && queued.scheduledFor == at(10) && queued.notBefore == at(10))
                #expect(try await fx.store.reload(job).nextRunAt == at(60))
                #expect(try await fx.store.nextWakeTime(now: at(9.6), lookahead: 0.5) == at(10))

                #expect(try await fx.store.claimDueRuns(Self.ahead(at: at(9.9), by: 0.5)).started.isEmpty)
                let started = try await fx.store.claimDueRuns(Self.ahead(at: at(10), by: 0.5))
                #expect(started.started.map(\.run.id) == [queued.id])
                #expect(started.started.first?.run.leaseOwner == workerA)
                #expect(started.started.first?.job.id == job.id)
                #expect(try await fx.store.allRuns(of: job).count == 1, "the slot ran once")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func slotsBeyondTheHorizonWakeTheSchedulerLookaheadEarly(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("later", nextRunAt: at(100)))
                #expect(try await fx.store.nextWakeTime(now: at(0), lookahead: 0.5) == at(99.5))
                #expect(try await fx.store.nextWakeTime(now: at(0), lookahead: 0) == at(100))
                #expect(try await fx.store.nextWakeTime() == at(100))
                // Inside the window already: claim it at once.
                #expect(try await fx.store.nextWakeTime(now: at(99.8), lookahead: 0.5) == at(99.5))
            }
        }

        @Test(arguments: StoreKind.allCases)
        func aJobWithARunInProgressIsDecidedAtItsInstant(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("busy", nextRunAt: at(0)))
                let first = try await fx.store.claimOne(at: at(0))
                // The next slot (60) is within the horizon but the run of slot 0 still runs:
                // whether it is skipped depends on whether that run is over at 60.
                let early = try await fx.store.claimDueRuns(Self.ahead(at: at(59.6), by: 0.5))
                #expect(early.created.isEmpty && early.started.isEmpty)
                #expect(try await fx.store.reload(job).nextRunAt == at(60))
                #expect(try await fx.store.nextWakeTime(now: at(59.6), lookahead: 0.5) == at(60), "woken at the instant, not early")

                try await fx.store.complete(first.run, .succeeded(exitCode: nil, output: ""), at: at(59.8))
                let due = try await fx.store.claimDueRuns(Self.ahead(at: at(60), by: 0.5))
                #expect(due.started.map(\.run.scheduledFor) == [at(60)])
                #expect(due.started.first?.run.status == .running, "not skipped: the earlier run had ended")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func releaseGivesTheSlotBackToTheJob(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("minutely", nextRunAt: at(10)))
                let once = try await fx.store.insert(makeJob("once", schedule: .at(at(10))))
                let paused = try await fx.store.insert(makeJob("paused-meanwhile", nextRunAt: at(10)))
                let early = try await fx.store.claimDueRuns(Self.ahead(at: at(9.6), by: 0.5))
                #expect(early.created.count == 3)
                try await fx.store.modifyJob(id: paused.id) { job in
                    job.status = .paused
                    job.nextRunAt = nil
                    return auditLine(.jobPause)
                }

                // Another owner's upcoming runs are not this scheduler's to release; the paused
                // job's run was withdrawn by the pause already.
                #expect(try await fx.store.releaseUpcomingRuns(owner: workerB, now: at(9.7)) == 0)
                #expect(try await fx.store.releaseUpcomingRuns(owner: workerA, now: at(9.7)) == 2)
                #expect(try await fx.store.allRuns(of: paused).map(\.status) == [.cancelled])
                #expect(try await fx.store.allRuns(of: job).isEmpty)
                #expect(try await fx.store.allRuns(of: once).isEmpty)
                #expect(try await fx.store.reload(job).nextRunAt == at(10))
                #expect(try await fx.store.reload(once).nextRunAt == at(10))
                #expect(try await fx.store.reload(paused).nextRunAt == nil, "a paused job gets no slot back")
                #expect(try await fx.store.releaseUpcomingRuns(owner: workerA, now: at(9.7)) == 0)

                // The slot is then claimed as usual when it comes due.
                let due = try await fx.store.claimDueRuns(claim(at: at(10)))
                #expect(Set(due.started.map(\.job.id)) == [job.id, once.id])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func runsAlreadyDueAreNotReleased(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("minutely", nextRunAt: at(10)))
                _ = try await fx.store.claimDueRuns(Self.ahead(at: at(9.6), by: 0.5, maxStart: 0))
                #expect(try await fx.store.releaseUpcomingRuns(owner: workerA, now: at(10)) == 0)
                #expect(try await fx.store.allRuns(of: job).map(\.status) == [.queued])
                #expect(try await fx.store.reload(job).nextRunAt == at(60))
            }
        }

        @Test(arguments: StoreKind.allCases)
        func startAheadLeasesRunsDueSoonWithTheirInstantAsStart(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let soon = try await fx.store.insert(makeJob("soon", nextRunAt: at(10)))
                let later = try await fx.store.insert(makeJob("later", nextRunAt: at(11)))
                _ = try await fx.store.claimDueRuns(Self.ahead(at: at(9.6), by: 0.5, maxStart: 0))
                var params = claim(at: at(9.97))
                params.startAhead = 0.05
                let result = try await fx.store.claimDueRuns(params)
                #expect(result.started.map(\.job.id) == [soon.id], "only the run due within startAhead")
                let run = try #require(result.started.first?.run)
                #expect(run.status == .running && run.startedAt == at(10) && run.leaseOwner == workerA)
                #expect(try await fx.store.reload(run) == run)
                #expect(try await fx.store.allRuns(of: later).isEmpty)
            }
        }

        // MARK: Withdrawn and abandoned upcoming runs (decision 0017)

        @Test(arguments: StoreKind.allCases)
        func pausingWithdrawsTheSlotQueuedAheadAndEveryQueuedRun(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("minutely", nextRunAt: at(10)))
                let other = try await fx.store.insert(makeJob("other", nextRunAt: at(10)))
                let upcoming = try #require(try await fx.store.claimDueRuns(Self.ahead(at: at(9.6), by: 0.5, maxStart: 0)).created.first {
                    $0.jobId == job.id
                })
                let manual = manualRun(of: job, at: at(9.6))
                try await fx.store.enqueueRun(manual, check: { _ in }, audit: nil)

                try await fx.store.modifyJob(id: job.id) { job in
                    job.status = .paused
                    job.nextRunAt = nil
                    job.updatedAt = at(9.7)
                    return auditLine(.jobPause, at: at(9.7))
                }
                for run in [upcoming, manual] {
                    let withdrawn = try await fx.store.reload(run)
                    #expect(withdrawn.status == .cancelled && withdrawn.errorCode == "cancelled", "\(withdrawn.trigger)")
                    #expect(withdrawn.errorMessage == "job paused" && withdrawn.finishedAt == at(9.7))
                }
                let due = try await fx.store.claimDueRuns(claim(at: at(10)))
                #expect(due.started.map(\.job.id) == [other.id], "the paused job's slot does not run")
                #expect(try await fx.store.reload(job).consecutiveErrors == 0)
                #expect(try await fx.store.reload(job).lastRunStatus == nil, "a withdrawn run is not the job's last run")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func deletingWithdrawsTheSlotQueuedAhead(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("minutely", nextRunAt: at(10)))
                let upcoming = try #require(try await fx.store.claimDueRuns(Self.ahead(at: at(9.6), by: 0.5, maxStart: 0)).created.first)
                try await fx.store.deleteJob(id: job.id, audit: auditLine(.jobDelete, at: at(9.7)))
                let withdrawn = try await fx.store.reload(upcoming)
                #expect(withdrawn.status == .cancelled && withdrawn.errorCode == "cancelled" && withdrawn.finishedAt == at(9.7))
                #expect(try await fx.store.claimDueRuns(claim(at: at(10))).started.isEmpty)
            }
        }

        /// An hourly job whose first slot is at(3600).
        static func hourly(_ fx: StoreFixture, misfire: MisfirePolicy) async throws -> Job {
            try await fx.store.insert(makeJob("hourly", schedule: .every(seconds: 3600, anchor: t0), nextRunAt: at(3600)) { $0.misfire = misfire })
        }

        /// Another scheduler queued the slot ahead and died before its instant (kill -9).
        static func abandonedUpcomingRun(_ fx: StoreFixture, _ job: Job, slot: Double) async throws -> Run {
            let early = try await fx.store.claimDueRuns(Self.ahead(at: at(slot - 0.4), by: 0.5, owner: workerB, maxStart: 0))
            let run = try #require(early.created.first { $0.jobId == job.id })
            #expect(run.status == .queued && run.leaseOwner == workerB && run.scheduledFor == at(slot))
            return run
        }

        @Test(arguments: StoreKind.allCases)
        func anAbandonedUpcomingRunPastTheGraceIsSkippedUnderMisfireSkip(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await Self.hourly(fx, misfire: .skip)
                let run = try await Self.abandonedUpcomingRun(fx, job, slot: 3600)
                let later = try await fx.store.claimDueRuns(claim(at: at(3600 + 120)))
                #expect(later.started.isEmpty, "a slot missed past the grace does not run under misfire skip")
                let skipped = try await fx.store.reload(run)
                #expect(skipped.status == .skipped && skipped.errorCode == "misfire" && skipped.finishedAt == at(3720))
                #expect(skipped.startedAt == nil)
                #expect(later.created.map(\.id) == [run.id])
                #expect(try await fx.store.reload(job).nextRunAt == at(7200))
                #expect(try await fx.store.claimDueRuns(claim(at: at(3721))).started.isEmpty)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func anAbandonedUpcomingRunPastTheGraceRunsOnceAsACatchUpUnderRunOnce(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await Self.hourly(fx, misfire: .runOnce)
                let run = try await Self.abandonedUpcomingRun(fx, job, slot: 3600)
                let later = try await fx.store.claimDueRuns(claim(at: at(3600 + 120)))
                #expect(later.started.map(\.run.id) == [run.id])
                let started = try #require(later.started.first?.run)
                #expect(started.trigger == .catchup && started.scheduledFor == at(3600) && started.leaseOwner == workerA)
                #expect(try await fx.store.allRuns(of: job).count == 1, "the missed slot runs once")
            }
        }

        @Test(arguments: StoreKind.allCases)
        func anAbandonedUpcomingRunGivesWayToTheCatchUpOfLaterMissedSlots(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("minutely", nextRunAt: at(60)))
                let run = try await Self.abandonedUpcomingRun(fx, job, slot: 60)
                // Down until 300: slots 60 (queued ahead) and 120…300 were missed; runOnce runs one.
                let later = try await fx.store.claimDueRuns(claim(at: at(300)))
                #expect(later.started.count == 1)
                #expect(later.started.first?.run.trigger == .catchup && later.started.first?.run.scheduledFor == at(300))
                let skipped = try await fx.store.reload(run)
                #expect(skipped.status == .skipped && skipped.errorCode == "misfire")
                #expect(try await fx.store.allRuns(of: job).filter { $0.status != .skipped }.count == 1)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func withinTheGraceAnAbandonedUpcomingRunStillStarts(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await Self.hourly(fx, misfire: .skip)
                let run = try await Self.abandonedUpcomingRun(fx, job, slot: 3600)
                let later = try await fx.store.claimDueRuns(claim(at: at(3630)))
                #expect(later.started.map(\.run.id) == [run.id])
                #expect(later.started.first?.run.trigger == .schedule)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func ownUpcomingRunsWaitingForAWorkerAreNotMisfired(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await Self.hourly(fx, misfire: .skip)
                _ = try await fx.store.claimDueRuns(Self.ahead(at: at(3599.6), by: 0.5, maxStart: 0))
                let later = try await fx.store.claimDueRuns(claim(at: at(3600 + 120)))
                #expect(later.started.map(\.job.id) == [job.id], "a backlog is not a misfire")
                #expect(later.started.first?.run.trigger == .schedule)
            }
        }
    }
}
