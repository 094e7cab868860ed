import Foundation
import SchedulerKit
import Testing

extension JobStoreConformanceTests {
    @Suite("Completion")
    struct Completion {
        /// Every error code ends the run in the status the one rule gives it.
        @Test(arguments: StoreKind.allCases, RunErrorCode.allCases)
        func statusFollowsTheOneRule(kind: StoreKind, code: RunErrorCode) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("ruled"))
                let run = try await fx.store.claimOne(at: at(0)).run
                let done = try await fx.store.complete(run, .error(code, "why", exitCode: 3, output: "tail"), at: at(2))
                // the hand-written table, not the rule under test
                let row = try #require(EndingDecisionTests.codes.first { $0.code == code })
                let expected = row.status
                let stored = try await fx.store.reload(run)
                #expect(done.recorded)
                #expect(stored == done.run)
                #expect(stored.status == expected)
                #expect(stored.errorType == row.errorType)
                #expect(stored.errorCode == code.rawValue)
                #expect(stored.errorCategory == row.category)
                #expect(stored.errorMessage == "why")
                #expect(stored.exitCode == 3)
                #expect(stored.output == "tail")
                #expect(stored.finishedAt == at(2))
                #expect(stored.startedAt == at(0))
                #expect(stored.leaseExpiresAt == nil)
                if code == .timeout { #expect(stored.errorType == .user) }
            }
        }

        /// Endings recorded together: each once (the same run twice: the second finds it ended),
        /// a run that is gone skipped, and a job's streak counted across the batch.
        @Test(arguments: StoreKind.allCases)
        func aBatchOfEndingsIsRecordedEndingByEnding(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let a = try await fx.store.insert(
                    makeJob("a", schedule: .every(seconds: 3600, anchor: t0)) { $0.overlap = .allow; $0.maxConsecutiveErrors = 2 })
                let b = try await fx.store.insert(makeJob("b", schedule: .every(seconds: 3600, anchor: t0)))
                let started = try await fx.store.claimDueRuns(claim(at: at(0))).started.map(\.run)
                try await fx.store.enqueueRun(manualRun(of: a, at: at(1)), check: { _ in }, audit: nil)
                let manual = try await fx.store.claimDueRuns(claim(at: at(1))).started.map(\.run)
                let runsOfA = (started + manual).filter { $0.jobId == a.id }
                let runOfB = try #require((started + manual).first { $0.jobId == b.id })
                try #require(runsOfA.count == 2)
                let ending = { (run: Run, outcome: RunOutcome) in CompleteRunParams(runId: run.id, outcome: outcome, now: at(5)) }
                let results = try await fx.store.completeRuns([
                    ending(runsOfA[0], handlerFailed), ending(runOfB, .succeeded()), ending(runsOfA[1], handlerFailed),
                    CompleteRunParams(runId: RunID("01NOSUCHRUN000000000000000"), outcome: .succeeded(), now: at(5)),
                    ending(runOfB, handlerFailed),
                ])
                #expect(results.map(\.run.id) == [runsOfA[0].id, runOfB.id, runsOfA[1].id, runOfB.id])
                #expect(results.map(\.recorded) == [true, true, true, false])
                #expect(results.map(\.run.status) == [.failed, .succeeded, .failed, .succeeded])
                #expect(results[2].retired, "the second failure in the batch reaches the limit of 2")
                #expect(try await fx.store.reload(runOfB).status == .succeeded)
                let storedA = try await fx.store.reload(a)
                #expect(storedA.consecutiveErrors == 2)
                #expect(storedA.status == .failed, "retired")
                #expect(try await fx.store.reload(b).lastRunStatus == .succeeded)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func successIsRecordedOnRunAndJob(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("fine"))
                let run = try await fx.store.claimOne(at: at(1)).run
                let done = try await fx.store.complete(run, .succeeded(exitCode: 0, output: "ok"), at: at(4))
                #expect(done.recorded && !done.retired && !done.completed && !done.deleted && done.retry == nil)
                let stored = try await fx.store.reload(run)
                #expect(stored.status == .succeeded)
                #expect(stored.errorType == nil && stored.errorCode == nil)
                #expect(stored.exitCode == 0)
                #expect(stored.output == "ok")
                #expect(stored.duration == 3)
                let storedJob = try await fx.store.reload(job)
                #expect(storedJob == done.job)
                #expect(storedJob.lastRunAt == at(1))
                #expect(storedJob.lastRunStatus == .succeeded)
                #expect(storedJob.nextRunAt == at(60))
                #expect(storedJob.status == .active)
            }
        }

        /// `failed`/`timed_out` add one; `succeeded` resets; the platform's faults, cancellations
        /// and skips leave the streak alone.
        @Test(arguments: StoreKind.allCases, [
            (RunOutcome.error(.handlerError, "x"), 3),
            (RunOutcome.error(.exitNonzero, "x", exitCode: 1), 3),
            (RunOutcome.error(.timeout, "x"), 3),
            (RunOutcome.succeeded(), 0),
            (RunOutcome.error(.lost, "x"), 2),
            (RunOutcome.error(.handlerMissing, "x"), 2),
            (RunOutcome.error(.storeError, "x"), 2),
            (RunOutcome.error(.shutdown, "x"), 2),
            (RunOutcome.error(.cancelled, "x"), 2),
            (RunOutcome.error(.replaced, "x"), 2),
            (RunOutcome.error(.overlap, "x"), 2),
        ])
        func streakRules(kind: StoreKind, expectation: (outcome: RunOutcome, streakAfter: Int)) async throws {
        let (outcome, streakAfter) = expectation
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("streaky") { $0.consecutiveErrors = 2 })
                let run = try await fx.store.claimOne(at: at(0)).run
                let done = try await fx.store.complete(run, outcome, at: at(1))
                let stored = try await fx.store.reload(job)
                #expect(stored.consecutiveErrors == streakAfter)
                #expect(stored.lastRunStatus == outcome.status)
                #expect(stored.status == .active)
                #expect(done.job?.consecutiveErrors == streakAfter)
            }
        }

        @Test(arguments: StoreKind.allCases, [RunOutcome.error(.handlerError, "x"), .error(.timeout, "slow")])
        func reachingMaxConsecutiveErrorsRetiresTheJob(kind: StoreKind, failure: RunOutcome) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("fragile") { $0.maxConsecutiveErrors = 3 })
                for i in 0..<2 {
                    let run = try await fx.store.claimOne(at: at(Double(60 * i))).run
                    let done = try await fx.store.complete(run, failure, at: at(Double(60 * i + 1)))
                    #expect(!done.retired)
                    #expect(done.job?.status == .active)
                }
                #expect(try await fx.store.auditEntries(AuditQuery(jobId: job.id)).map(\.action) == ["job.create"])

                let third = try await fx.store.claimOne(at: at(120)).run
                let done = try await fx.store.complete(third, failure, at: at(121))
                #expect(done.retired)
                let stored = try await fx.store.reload(job)
                #expect(stored.status == .failed)
                #expect(stored.nextRunAt == nil)
                #expect(stored.consecutiveErrors == 3)
                #expect(done.job == stored)

                let audit = try #require(try await fx.store.auditEntries(AuditQuery(jobId: job.id)).first)
                #expect(audit.action == "job.auto_fail")
                #expect(audit.actor == "scheduler")
                #expect(audit.at == at(121))
                #expect(audit.jobName == "fragile")
                #expect(audit.details.contains(third.id.rawValue))

                // retired: nothing is claimed any more
                #expect(try await fx.store.claimDueRuns(claim(at: at(600))).created.isEmpty)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func systemErrorsNeverRetireAJob(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("unlucky") { $0.maxConsecutiveErrors = 1 })
                let run = try await fx.store.claimOne(at: at(0)).run
                let done = try await fx.store.complete(run, .error(.handlerMissing, "no handler"), at: at(1))
                #expect(!done.retired)
                #expect(try await fx.store.reload(job).status == .active)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func retryPolicyQueuesTheNextAttemptAfterTheBackoff(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(
                    makeJob("retrying", schedule: .every(seconds: 3600, anchor: t0)) {
                        $0.retry = RetryPolicy(maxAttempts: 3, initialDelay: 10, multiplier: 2, maxDelay: 3600)
                    })
                let first = try await fx.store.claimOne(at: at(0)).run
                let r1 = try await fx.store.complete(first, handlerFailed, at: at(5))
                let retry1 = try #require(r1.retry)
                #expect(retry1.trigger == .retry)
                #expect(retry1.attempt == 2)
                #expect(retry1.scheduledFor == at(0))
                #expect(retry1.status == .queued)
                #expect(retry1.notBefore == at(15))
                #expect(try await fx.store.reload(retry1) == retry1)
                #expect(try await fx.store.nextWakeTime() == at(15))

                #expect(try await fx.store.claimDueRuns(claim(at: at(14.999))).started.isEmpty)
                let second = try await fx.store.claimOne(at: at(15)).run
                #expect(second.id == retry1.id)
                let r2 = try await fx.store.complete(second, .error(.timeout, "slow"), at: at(20))
                let retry2 = try #require(r2.retry)
                #expect(retry2.attempt == 3)
                #expect(retry2.scheduledFor == at(0))
                #expect(retry2.notBefore == at(40))

                let third = try await fx.store.claimOne(at: at(40)).run
                let r3 = try await fx.store.complete(third, handlerFailed, at: at(41))
                #expect(r3.retry == nil)
                #expect(try await fx.store.reload(job).consecutiveErrors == 3)
                #expect(try await fx.store.allRuns(of: job).map(\.attempt) == [1, 2, 3])
            }
        }

        @Test(arguments: StoreKind.allCases)
        func retryDelayScalesWithTheInjectedJitter(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                try await fx.store.insert(makeJob("retrying") { $0.retry = RetryPolicy(maxAttempts: 2, initialDelay: 10) })
                let run = try await fx.store.claimOne(at: at(0)).run
                let done = try await fx.store.complete(run, handlerFailed, at: at(5), retryJitter: 1)
                let retry = try #require(done.retry)
                #expect(retry.notBefore > at(15))
                #expect(retry.notBefore <= at(5 + 10 * 1.25))
            }
        }

        @Test(arguments: StoreKind.allCases)
        func noRetryForSystemErrorsSuccessOrManualRuns(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(
                    makeJob("retrying", schedule: .every(seconds: 3600, anchor: t0)) { $0.retry = RetryPolicy(maxAttempts: 5) })
                let scheduled = try await fx.store.claimOne(at: at(0)).run
                #expect(try await fx.store.complete(scheduled, .error(.lost, "gone"), at: at(1)).retry == nil)

                let manual = manualRun(of: job, at: at(2))
                try await fx.store.enqueueRun(manual, check: { _ in }, audit: nil)
                let started = try await fx.store.claimOne(at: at(2)).run
                #expect(started.id == manual.id)
                #expect(try await fx.store.complete(started, handlerFailed, at: at(3)).retry == nil)

                #expect(try await fx.store.runs(RunQuery(jobId: job.id, statuses: [.queued])).isEmpty)
            }
        }

        /// Results describe the rows as stored, even when the caller's instants are finer than
        /// the store keeps them (a real clock's `now` has sub-millisecond digits).
        @Test(arguments: StoreKind.allCases)
        func resultsAreExactlyWhatIsStored(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("precise") { $0.retry = RetryPolicy(maxAttempts: 2, initialDelay: 0.0003) })
                let claimed = try await fx.store.claimDueRuns(
                    ClaimParams(now: t0.addingTimeInterval(0.0004), owner: workerA, leaseDuration: 30.0004, maxStart: 1))
                let run = try #require(claimed.started.first).run
                #expect(try await fx.store.reload(run) == run)
                #expect(try await fx.store.reload(job) == claimed.started.first?.job)

                let done = try await fx.store.completeRun(
                    CompleteRunParams(runId: run.id, outcome: handlerFailed, now: t0.addingTimeInterval(1.0006), retryJitter: 0.3))
                #expect(try await fx.store.reload(run) == done.run)
                #expect(try await fx.store.reload(job) == done.job)
                let retry = try #require(done.retry)
                #expect(try await fx.store.reload(retry) == retry)

                let again = try await fx.store.claimDueRuns(
                    ClaimParams(now: t0.addingTimeInterval(2.0002), owner: workerB, leaseDuration: 30, maxStart: 1))
                let second = try #require(again.started.first).run
                #expect(try await fx.store.reload(second) == second)
                let rescued = try await fx.store.rescueLostRuns(now: t0.addingTimeInterval(3.0007), isOwnerGone: { $0 == workerB })
                #expect(rescued.count == 1)
                #expect(try await fx.store.reload(second) == rescued.first?.run)
                #expect(try await fx.store.reload(job) == rescued.first?.job)
            }
        }

        @Test(arguments: StoreKind.allCases)
        func completingAFinishedRunChangesNothing(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("twice"))
                let run = try await fx.store.claimOne(at: at(0)).run
                try await fx.store.complete(run, .error(.lost, "reaped"), at: at(40))
                let runBefore = try await fx.store.reload(run)
                let jobBefore = try await fx.store.reload(job)

                let late = try await fx.store.complete(run, handlerFailed, at: at(50))
                #expect(!late.recorded)
                #expect(late.run == runBefore)
                #expect(late.retry == nil && !late.retired)
                #expect(try await fx.store.reload(run) == runBefore)
                #expect(try await fx.store.reload(job) == jobBefore)

                await expectSchedulerError(.notFound) {
                    _ = try await fx.store.completeRun(CompleteRunParams(runId: RunID("missing"), outcome: .succeeded(), now: at(60)))
                }
            }
        }

        @Test(arguments: StoreKind.allCases)
        func runOfADeletedJobIsStillRecorded(kind: StoreKind) async throws {
            try await StoreFixture.with(kind) { fx in
                let job = try await fx.store.insert(makeJob("orphaned"))
                let run = try await fx.store.claimOne(at: at(0)).run
                try await fx.store.deleteJob(id: job.id, audit: auditLine(.jobDelete, at: at(1)))
                let done = try await fx.store.complete(run, .error(.cancelled, "asked to stop"), at: at(2))
                #expect(done.recorded)
                #expect(done.job == nil)
                let stored = try await fx.store.reload(run)
                #expect(stored.status == .cancelled)
                #expect(stored.finishedAt == at(2))
                #expect(stored.jobName == "orphaned")
            }
        }
    }
}
