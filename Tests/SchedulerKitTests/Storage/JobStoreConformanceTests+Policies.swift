import Foundation
import SchedulerKit
import Synchronization
import Testing

extension JobStoreConformanceTests {
    /// Misfire, overlap, jitter and one-shot rules applied while claiming.
    @Suite("Claiming policies")
    struct Policies {
        // MARK: Misfire

        @Test(arguments: StoreKind.allCases)
        func misfireRunOnceMakesOneCatchupForTheLatestMissedSlot(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                // slots t0, t0+60, …, t0+600 are all due at t0+630; the latest is 30 s late
                let job = try await fx.store.insert(makeJob("catchup"))
                let result = try await fx.store.claimDueRuns(claim(at: at(630), maxStart: 0, grace: 10))
                #expect(result.created.count == 1)
                let run = try #require(result.created.first)
                #expect(run.trigger == .catchup)
                #expect(run.scheduledFor == at(600))
                #expect(run.status == .queued)
                #expect(try await fx.store.reload(job).nextRunAt == at(660))
                #expect(try await fx.store.allRuns(of: job).count == 1)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func misfireRunOnceCatchesUpEvenWhenTheLatestSlotIsOnTime(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("catchup"))
                let result = try await fx.store.claimDueRuns(claim(at: at(630), maxStart: 0, grace: 60))
                #expect(result.created.map(\.trigger) == [.catchup])
                #expect(result.created.map(\.scheduledFor) == [at(600)])
                #expect(try await fx.store.reload(job).nextRunAt == at(660))
            }
        }

        @Test(arguments: StoreKind.allCases)
        func misfireSkipRecordsOneSkippedRunAndRunsTheOnTimeSlot(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("skipper") { $0.misfire = .skip })
                let result = try await fx.store.claimDueRuns(claim(at: at(630), maxStart: 0, grace: 60))
                let skipped = result.created.filter { $0.status == .skipped }
                let queued = result.created.filter { $0.status == .queued }
                #expect(skipped.count == 1)
                #expect(skipped.first?.errorCode == "misfire")
                #expect(skipped.first?.errorType == nil)
                #expect(skipped.first?.scheduledFor == at(540), "the latest slot not run")
                #expect(queued.map(\.scheduledFor) == [at(600)])
                #expect(queued.map(\.trigger) == [.schedule])
                #expect(try await fx.store.reload(job).nextRunAt == at(660))
                #expect(try await fx.store.allRuns(of: job).count == 2)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func misfireSkipWithNoSlotInGraceRunsNothing(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("skipper") { $0.misfire = .skip })
                let result = try await fx.store.claimDueRuns(claim(at: at(630), grace: 10))
                #expect(result.started.isEmpty)
                #expect(result.created.count == 1)
                #expect(result.created.first?.status == .skipped)
                #expect(result.created.first?.errorCode == "misfire")
                #expect(result.created.first?.errorCategory == "scheduling")
                let stored = try await fx.store.reload(job)
                #expect(stored.nextRunAt == at(660))
                #expect(stored.consecutiveErrors == 0)
            }
        }

        /// A slot exactly `grace` late is on time; a millisecond later it is missed.
        @Test(arguments: StoreKind.allCases, [MisfirePolicy.runOnce, .skip])
        func graceBoundary(kind: StoreKind, misfire: MisfirePolicy) async throws {
            try await StoreFixture.with(kind) { fx in
                let hourly = Schedule.every(seconds: 3600, anchor: t0)
                let onTime = try await fx.store.insert(makeJob("on-time", schedule: hourly) { $0.misfire = misfire })
                let r1 = try await fx.store.claimDueRuns(claim(at: at(60), maxStart: 0, grace: 60))
                #expect(r1.created.map(\.trigger) == [.schedule])
                #expect(r1.created.map(\.status) == [.queued])
                #expect(try await fx.store.reload(onTime).nextRunAt == at(3600))

                let late = try await fx.store.insert(makeJob("late", schedule: .every(seconds: 3600, anchor: at(1000))) { $0.misfire = misfire })
                let r2 = try await fx.store.claimDueRuns(claim(at: at(1060.001), maxStart: 0, grace: 60))
                switch misfire {
                case .runOnce:
                    #expect(r2.created.map(\.trigger) == [.catchup])
                    #expect(r2.created.map(\.status) == [.queued])
                case .skip:
                    #expect(r2.created.map(\.status) == [.skipped])
                    #expect(r2.created.map(\.errorCode) == ["misfire"])
                }
                #expect(r2.created.map(\.scheduledFor) == [at(1000)])
                #expect(try await fx.store.reload(late).nextRunAt == at(4600))
            }
        }

        /// A long outage of a frequent cron schedule still catches up with the latest slot, not
        /// with some slot in the middle of the outage.
        @Test(arguments: StoreKind.allCases, [MisfirePolicy.runOnce, .skip])
        func longOutageOfAFrequentCronCatchesUpWithTheLatestSlot(kind: StoreKind, misfire: MisfirePolicy) async throws {
            try await StoreFixture.with(kind) { fx in
                let everySecond = try Schedule.cron("* * * * * *")
                let job = try await fx.store.insert(makeJob("busy-cron", schedule: everySecond, nextRunAt: at(1)) { $0.misfire = misfire })
                // 20,000 slots missed; the latest (t0+20000) is 0.5 s old
                let result = try await fx.store.claimDueRuns(claim(at: at(20_000.5), maxStart: 0, grace: 60))
                switch misfire {
                case .runOnce:
                    #expect(result.created.map(\.scheduledFor) == [at(20_000)])
                    #expect(result.created.map(\.trigger) == [.catchup])
                case .skip:
                    #expect(result.created.filter { $0.status == .queued }.map(\.scheduledFor) == [at(20_000)])
                    #expect(result.created.filter { $0.status == .skipped }.map(\.scheduledFor) == [at(19_999)])
                }
                #expect(try await fx.store.reload(job).nextRunAt == at(20_001))
            }
        }

        @Test(arguments: StoreKind.allCases, [MisfirePolicy.runOnce, .skip])
        func cronMisfire(kind: StoreKind, misfire: MisfirePolicy) async throws {
            try await StoreFixture.with(kind) { fx in
                let minutely = try Schedule.cron("* * * * *")
                let job = try await fx.store.insert(makeJob("cron", schedule: minutely, nextRunAt: at(0)) { $0.misfire = misfire })
                // slots t0 … t0+300 missed; the latest is 30 s late, within grace
                let result = try await fx.store.claimDueRuns(claim(at: at(330), maxStart: 0, grace: 60))
                switch misfire {
                case .runOnce:
                    #expect(result.created.map(\.scheduledFor) == [at(300)])
                    #expect(result.created.map(\.trigger) == [.catchup])
                case .skip:
                    #expect(result.created.map(\.status) == [.skipped, .queued])
                    #expect(result.created.map(\.scheduledFor) == [at(240), at(300)])
                    #expect(result.created.map(\.trigger) == [.schedule, .schedule])
                }
                #expect(try await fx.store.reload(job).nextRunAt == at(360))
            }
        }

        // MARK: Overlap

        @Test(arguments: StoreKind.allCases)
        func overlapSkipRecordsASkippedRun(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("exclusive"))
                let busy = try await fx.store.claimOne(at: at(0)).run
                let result = try await fx.store.claimDueRuns(claim(at: at(60)))
                #expect(result.started.isEmpty)
                let skipped = try #require(result.created.first)
                #expect(result.created.count == 1)
                #expect(skipped.status == .skipped)
                #expect(skipped.errorCode == "overlap")
                #expect(skipped.scheduledFor == at(60))
                #expect(skipped.finishedAt == at(60))
                #expect(try await fx.store.reload(busy).status == .running)
                let stored = try await fx.store.reload(job)
                #expect(stored.nextRunAt == at(120))
                #expect(stored.consecutiveErrors == 0)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func overlapAllowRunsBesideTheBusyRun(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("parallel") { $0.overlap = .allow })
                let first = try await fx.store.claimOne(at: at(0)).run
                let second = try await fx.store.claimOne(at: at(60)).run
                #expect(second.scheduledFor == at(60))
                #expect(try await fx.store.reload(first).status == .running)
                #expect(try await fx.store.runs(RunQuery(statuses: [.running])).count == 2)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func overlapReplaceCancelsTheQueuedRun(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("replacer") { $0.overlap = .replace })
                let old = try #require(try await fx.store.claimDueRuns(claim(at: at(0), maxStart: 0)).created.first)
                let result = try await fx.store.claimDueRuns(claim(at: at(60), maxStart: 0))
                let replaced = try await fx.store.reload(old)
                #expect(replaced.status == .cancelled)
                #expect(replaced.errorCode == "replaced")
                #expect(replaced.finishedAt == at(60))
                let fresh = try #require(result.created.first { $0.id != old.id })
                #expect(fresh.status == .queued)
                #expect(fresh.scheduledFor == at(60))
                #expect(result.cancelRequested.isEmpty)
                #expect(try await fx.store.runs(RunQuery(jobId: job.id, statuses: [.queued])).map(\.id) == [fresh.id])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func overlapReplaceAsksTheRunningRunToStop(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("replacer") { $0.overlap = .replace })
                let old = try await fx.store.claimOne(at: at(0)).run
                let result = try await fx.store.claimDueRuns(claim(at: at(60)))
                #expect(result.cancelRequested == [old.id])
                let stored = try await fx.store.reload(old)
                #expect(stored.status == .running)
                #expect(stored.cancelRequested)
                #expect(result.started.map(\.run.scheduledFor) == [at(60)])

                let beat = try await fx.store.recordHeartbeat(
                    HeartbeatParams(owner: workerA, runIds: [old.id], now: at(61), leaseDuration: 30))
                #expect(beat.cancelRequested == [old.id])
            }
        }

        // MARK: Jitter

        @Test(arguments: StoreKind.allCases)
        func jitterDelaysTheStartByTheInjectedAmount(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("jittery", schedule: .every(seconds: 3600, anchor: t0)) { $0.jitter = 30 })
                let asked = Mutex<[Double]>([])
                let jitter: @Sendable (Double) -> Double = { bound in
                    asked.withLock { $0.append(bound) }
                    return 12.5
                }
                let result = try await fx.store.claimDueRuns(claim(at: at(0), jitter: jitter))
                #expect(asked.withLock { $0 } == [30])
                #expect(result.started.isEmpty)
                let run = try #require(result.created.first)
                #expect(run.scheduledFor == at(0))
                #expect(run.notBefore == at(12.5))
                #expect(try await fx.store.nextWakeTime() == at(12.5))

                #expect(try await fx.store.claimDueRuns(claim(at: at(12.499))).started.isEmpty)
                let started = try await fx.store.claimDueRuns(claim(at: at(12.5))).started
                #expect(started.map(\.run.id) == [run.id])
                #expect(started.first?.run.startedAt == at(12.5))
            }
        }

        @Test(arguments: StoreKind.allCases)
        func jobsWithoutJitterNeverAskForIt(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("punctual"))
                let asked = Mutex(0)
                let result = try await fx.store.claimDueRuns(
                    claim(at: at(0), jitter: { _ in asked.withLock { $0 += 1 }; return 99 }))
                #expect(asked.withLock { $0 } == 0)
                #expect(result.started.first?.run.notBefore == at(0))
            }
        }

        // MARK: One-shot

        @Test(arguments: StoreKind.allCases)
        func pastOneShotRunsOnceThenCompletes(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("once", schedule: .at(at(-3600))))
                let claimed = try await fx.store.claimOne(at: at(0))
                #expect(claimed.run.scheduledFor == at(-3600))
                #expect(claimed.run.trigger == .catchup)
                #expect(try await fx.store.reload(job).nextRunAt == nil)
                #expect(try await fx.store.claimDueRuns(claim(at: at(7200))).created.isEmpty)

                let done = try await fx.store.complete(claimed.run, .succeeded(), at: at(1))
                #expect(done.completed)
                #expect(!done.deleted)
                let stored = try await fx.store.reload(job)
                #expect(stored.status == .completed)
                #expect(stored.nextRunAt == nil)
                #expect(done.job == stored)
                #expect(try await fx.store.claimDueRuns(claim(at: at(7200))).created.isEmpty)
                #expect(try await fx.store.allRuns(of: job).count == 1)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func oneShotCompletesAfterAFailureToo(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("once", schedule: .at(at(0))))
                let run = try await fx.store.claimOne(at: at(0)).run
                let done = try await fx.store.complete(run, handlerFailed, at: at(1))
                #expect(done.completed)
                let stored = try await fx.store.reload(job)
                #expect(stored.status == .completed)
                #expect(stored.consecutiveErrors == 1)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func deleteAfterRunDeletesTheJobAndKeepsTheRun(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("ephemeral", schedule: .at(at(0))) { $0.deleteAfterRun = true })
                let run = try await fx.store.claimOne(at: at(0)).run
                let done = try await fx.store.complete(run, .succeeded(), at: at(1))
                #expect(done.deleted)
                #expect(!done.completed)
                #expect(done.job == nil)
                #expect(try await fx.store.job(id: job.id) == nil)
                #expect(try await fx.store.reload(run).status == .succeeded)
            }
        }

        @Test(arguments: StoreKind.allCases, [false, true])
        func pastOneShotWithMisfireSkipIsSkippedAndEnds(kind: StoreKind, deleteAfterRun: Bool) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(
                    makeJob("missed", schedule: .at(at(-3600))) {
                        $0.misfire = .skip
                        $0.deleteAfterRun = deleteAfterRun
                    })
                let result = try await fx.store.claimDueRuns(claim(at: at(0)))
                #expect(result.started.isEmpty)
                #expect(result.created.map(\.status) == [.skipped])
                #expect(result.created.map(\.errorCode) == ["misfire"])
                #expect(result.created.map(\.scheduledFor) == [at(-3600)])
                if deleteAfterRun {
                    #expect(try await fx.store.job(id: job.id) == nil)
                } else {
                    let stored = try await fx.store.reload(job)
                    #expect(stored.status == .completed)
                    #expect(stored.nextRunAt == nil)
                }
                #expect(try await fx.store.claimDueRuns(claim(at: at(60))).created.isEmpty)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func oneShotOnTimeWithMisfireSkipRuns(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("soon", schedule: .at(at(0))) { $0.misfire = .skip })
                let run = try await fx.store.claimOne(at: at(30)).run
                #expect(run.trigger == .schedule)
                #expect(run.scheduledFor == at(0))
            }
        }
    }
}
