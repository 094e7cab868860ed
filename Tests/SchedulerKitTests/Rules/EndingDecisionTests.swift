import Foundation
import SchedulerKit
import Testing

/// The rules of a run's end, as literal tables: what each code means and what each ending does
/// to the job. No store: `EndingDecision` is what every store executes.
@Suite("Ending decision")
struct EndingDecisionTests {
    struct CodeRow: Sendable, CustomTestStringConvertible {
        var code: RunErrorCode
        var errorType: ErrorType?
        var status: RunStatus
        var category: String
        var testDescription: String { code.rawValue }
    }

    /// Every code, written out by hand (SPEC §3): whose fault, which status, which category.
    static let codes: [CodeRow] = [
        CodeRow(code: .exitNonzero, errorType: .user, status: .failed, category: "command"),
        CodeRow(code: .signaled, errorType: .user, status: .failed, category: "command"),
        CodeRow(code: .commandNotFound, errorType: .user, status: .failed, category: "command"),
        CodeRow(code: .handlerError, errorType: .user, status: .failed, category: "handler"),
        CodeRow(code: .timeout, errorType: .user, status: .timedOut, category: "timeout"),
        CodeRow(code: .lost, errorType: .system, status: .systemError, category: "lease"),
        CodeRow(code: .handlerMissing, errorType: .system, status: .systemError, category: "configuration"),
        CodeRow(code: .storeError, errorType: .system, status: .systemError, category: "storage"),
        CodeRow(code: .shutdown, errorType: .system, status: .systemError, category: "shutdown"),
        CodeRow(code: .spawnFailed, errorType: .system, status: .systemError, category: "resource"),
        CodeRow(code: .systemFailure, errorType: .system, status: .systemError, category: "handler"),
        CodeRow(code: .overlap, errorType: nil, status: .skipped, category: "scheduling"),
        CodeRow(code: .misfire, errorType: nil, status: .skipped, category: "scheduling"),
        CodeRow(code: .replaced, errorType: nil, status: .cancelled, category: "scheduling"),
        CodeRow(code: .cancelled, errorType: nil, status: .cancelled, category: "scheduling"),
    ]

    @Test func theTableCoversEveryCode() {
        #expect(Set(Self.codes.map(\.code)) == Set(RunErrorCode.allCases))
        #expect(Self.codes.count == RunErrorCode.allCases.count)
    }

    @Test(arguments: codes)
    func eachCodeEndsTheRunAsTheTableSays(row: CodeRow) {
        let d = EndingDecision.decide(
            run: ruleRun(), job: ruleJob(), outcome: .error(row.code, "why", exitCode: 3, output: "tail"), now: t(62),
            retryJitter: 0)
        #expect(d.run.status == row.status)
        #expect(d.run.errorType == row.errorType)
        #expect(d.run.errorCode == row.code.rawValue)
        #expect(d.run.errorCategory == row.category)
        #expect(d.run.errorMessage == "why")
        #expect(d.run.exitCode == 3)
        #expect(d.run.output == "tail")
        #expect(d.run.finishedAt == t(62))
        #expect(d.run.leaseExpiresAt == nil)
        #expect(d.job?.lastRunStatus == row.status)
        #expect(d.job?.lastRunAt == t(60))
    }

    struct StreakRow: Sendable, CustomTestStringConvertible {
        var before: Int
        var limit: Int
        var outcome: RunOutcome
        var after: Int
        var retires: Bool
        var testDescription: String { "\(outcome.status.rawValue) at \(before)/\(limit)" }
    }

    /// Failed and timed-out runs add one; a success resets; system errors, skips and
    /// cancellations leave the streak alone; reaching the limit retires the job.
    static let streaks: [StreakRow] = [
        StreakRow(before: 0, limit: 3, outcome: .error(.exitNonzero, "x"), after: 1, retires: false),
        StreakRow(before: 1, limit: 3, outcome: .error(.timeout, "x"), after: 2, retires: false),
        StreakRow(before: 2, limit: 3, outcome: .error(.exitNonzero, "x"), after: 3, retires: true),
        StreakRow(before: 2, limit: 3, outcome: .error(.timeout, "x"), after: 3, retires: true),
        StreakRow(before: 0, limit: 1, outcome: .error(.handlerError, "x"), after: 1, retires: true),
        StreakRow(before: 2, limit: 3, outcome: .succeeded(), after: 0, retires: false),
        StreakRow(before: 2, limit: 3, outcome: .error(.lost, "x"), after: 2, retires: false),
        StreakRow(before: 2, limit: 3, outcome: .error(.storeError, "x"), after: 2, retires: false),
        StreakRow(before: 2, limit: 3, outcome: .error(.spawnFailed, "x"), after: 2, retires: false),
        StreakRow(before: 2, limit: 3, outcome: .error(.overlap, "x"), after: 2, retires: false),
        StreakRow(before: 2, limit: 3, outcome: .error(.cancelled, "x"), after: 2, retires: false),
    ]

    @Test(arguments: streaks)
    func streakAndRetirement(row: StreakRow) throws {
        let job = ruleJob(next: t(120), streak: row.before, limit: row.limit)
        let d = EndingDecision.decide(run: ruleRun(), job: job, outcome: row.outcome, now: t(62), retryJitter: 0)
        let after = try #require(d.job)
        #expect(after.consecutiveErrors == row.after)
        if row.retires {
            #expect(after.status == .failed)
            #expect(after.nextRunAt == nil)
            let audit = try #require(d.retirement)
            #expect(audit.actor == "scheduler")
            #expect(audit.action == .jobAutoFail)
            #expect(audit.details["consecutive_errors"] == String(row.after))
            #expect(audit.details["max_consecutive_errors"] == String(row.limit))
            #expect(audit.details["run_id"] == "run-1")
            #expect(audit.details["run_status"] == row.outcome.status.rawValue)
        } else {
            #expect(after.status == .active)
            #expect(after.nextRunAt == t(120))
            #expect(d.retirement == nil)
        }
        #expect(d.retry == nil)
        #expect(!d.completesJob && !d.deletesJob)
    }

    @Test func aPausedJobIsNotRetiredByARunThatWasAlreadyGoing() throws {
        let d = EndingDecision.decide(
            run: ruleRun(), job: ruleJob(next: nil, streak: 2, limit: 3, status: .paused),
            outcome: .error(.exitNonzero, "x"), now: t(62), retryJitter: 0)
        #expect(d.job?.status == .paused)
        #expect(d.job?.consecutiveErrors == 3)
        #expect(d.retirement == nil)
    }

    struct RetryRow: Sendable, CustomTestStringConvertible {
        var attempt: Int
        var trigger: RunTrigger
        var outcome: RunOutcome
        var jitter: Double
        /// nil: no retry; else the retry's delay from the end in seconds.
        var delay: Double?
        var testDescription: String { "attempt \(attempt) \(trigger.rawValue) \(outcome.status.rawValue) jitter \(jitter)" }
    }

    /// Retry policy: 3 attempts, 10 s doubling. Only failed / timed-out scheduled runs retry.
    static let retries: [RetryRow] = [
        RetryRow(attempt: 1, trigger: .schedule, outcome: .error(.exitNonzero, "x"), jitter: 0, delay: 10),
        RetryRow(attempt: 1, trigger: .schedule, outcome: .error(.exitNonzero, "x"), jitter: 1, delay: 12.5),
        RetryRow(attempt: 2, trigger: .retry, outcome: .error(.timeout, "x"), jitter: 0, delay: 20),
        RetryRow(attempt: 1, trigger: .catchup, outcome: .error(.exitNonzero, "x"), jitter: 0, delay: 10),
        RetryRow(attempt: 3, trigger: .retry, outcome: .error(.exitNonzero, "x"), jitter: 0, delay: nil),
        RetryRow(attempt: 1, trigger: .manual, outcome: .error(.exitNonzero, "x"), jitter: 0, delay: nil),
        RetryRow(attempt: 1, trigger: .schedule, outcome: .error(.lost, "x"), jitter: 0, delay: nil),
        RetryRow(attempt: 1, trigger: .schedule, outcome: .succeeded(), jitter: 0, delay: nil),
    ]

    @Test(arguments: retries)
    func retryUnderThePolicy(row: RetryRow) throws {
        let job = ruleJob(next: t(120), limit: 10, retry: RetryPolicy(maxAttempts: 3, initialDelay: 10, multiplier: 2))
        let run = ruleRun(slot: t(60), trigger: row.trigger, attempt: row.attempt)
        let d = EndingDecision.decide(run: run, job: job, outcome: row.outcome, now: t(70), retryJitter: row.jitter)
        if let delay = row.delay {
            let retry = try #require(d.retry)
            #expect(retry.trigger == .retry)
            #expect(retry.attempt == row.attempt + 1)
            #expect(retry.scheduledFor == t(60))
            #expect(retry.status == .queued)
            #expect(retry.notBefore == t(70 + delay))
            #expect(retry.jobId == "job-1")
        } else {
            #expect(d.retry == nil)
        }
    }

    @Test func retirementWinsOverRetry() throws {
        let job = ruleJob(streak: 2, limit: 3, retry: RetryPolicy(maxAttempts: 5))
        let d = EndingDecision.decide(run: ruleRun(), job: job, outcome: .error(.exitNonzero, "x"), now: t(62), retryJitter: 0)
        #expect(d.retirement != nil)
        #expect(d.retry == nil)
    }

    struct OneShotRow: Sendable, CustomTestStringConvertible {
        var deleteAfterRun: Bool
        var trigger: RunTrigger
        var outcome: RunOutcome
        var retry: Bool
        var completes: Bool
        var deletes: Bool
        var testDescription: String {
            "\(trigger.rawValue) \(outcome.status.rawValue) delete=\(deleteAfterRun) retry=\(retry)"
        }
    }

    /// A one-shot job's life ends with its slot's last attempt, whatever its status.
    static let oneShots: [OneShotRow] = [
        OneShotRow(deleteAfterRun: false, trigger: .schedule, outcome: .succeeded(), retry: false, completes: true, deletes: false),
        OneShotRow(deleteAfterRun: true, trigger: .schedule, outcome: .succeeded(), retry: false, completes: false, deletes: true),
        OneShotRow(deleteAfterRun: false, trigger: .schedule, outcome: .error(.exitNonzero, "x"), retry: false, completes: true, deletes: false),
        OneShotRow(deleteAfterRun: false, trigger: .schedule, outcome: .error(.lost, "x"), retry: false, completes: true, deletes: false),
        OneShotRow(deleteAfterRun: true, trigger: .catchup, outcome: .error(.systemFailure, "x"), retry: false, completes: false, deletes: true),
        OneShotRow(deleteAfterRun: false, trigger: .schedule, outcome: .error(.exitNonzero, "x"), retry: true, completes: false, deletes: false),
        OneShotRow(deleteAfterRun: true, trigger: .schedule, outcome: .error(.exitNonzero, "x"), retry: true, completes: false, deletes: false),
        OneShotRow(deleteAfterRun: false, trigger: .manual, outcome: .succeeded(), retry: false, completes: false, deletes: false),
        OneShotRow(deleteAfterRun: true, trigger: .manual, outcome: .succeeded(), retry: false, completes: false, deletes: false),
    ]

    @Test(arguments: oneShots)
    func oneShotCompletion(row: OneShotRow) throws {
        let job = ruleJob(
            schedule: .at(t(60)), next: nil, limit: 10, retry: row.retry ? RetryPolicy(maxAttempts: 2) : nil,
            deleteAfterRun: row.deleteAfterRun)
        let d = EndingDecision.decide(
            run: ruleRun(trigger: row.trigger), job: job, outcome: row.outcome, now: t(62), retryJitter: 0)
        #expect(d.completesJob == row.completes)
        #expect(d.deletesJob == row.deletes)
        #expect((d.retry != nil) == row.retry)
        #expect(d.job?.status == (row.completes ? .completed : .active))
    }

    @Test func aRefusedRetryEndsAOneShotJob() throws {
        let job = ruleJob(schedule: .at(t(60)), next: nil, limit: 10, retry: RetryPolicy(maxAttempts: 2))
        var d = EndingDecision.decide(run: ruleRun(), job: job, outcome: .error(.exitNonzero, "x"), now: t(62), retryJitter: 0)
        #expect(d.retry != nil && !d.completesJob)
        d.retryRefused()
        #expect(d.retry == nil)
        #expect(d.completesJob)
        #expect(d.job?.status == .completed)
        #expect(d.job?.nextRunAt == nil)

        let deleting = ruleJob(schedule: .at(t(60)), next: nil, limit: 10, retry: RetryPolicy(maxAttempts: 2), deleteAfterRun: true)
        var e = EndingDecision.decide(run: ruleRun(), job: deleting, outcome: .error(.exitNonzero, "x"), now: t(62), retryJitter: 0)
        e.retryRefused()
        #expect(e.deletesJob && !e.completesJob)
    }

    @Test func aRefusedRetryLeavesARecurringJobAsItWas() throws {
        let job = ruleJob(next: t(120), limit: 10, retry: RetryPolicy(maxAttempts: 2))
        var d = EndingDecision.decide(run: ruleRun(), job: job, outcome: .error(.exitNonzero, "x"), now: t(62), retryJitter: 0)
        d.retryRefused()
        #expect(d.retry == nil && !d.completesJob && !d.deletesJob)
        #expect(d.job?.status == .active && d.job?.nextRunAt == t(120))
    }

    @Test func aRunWhoseJobIsGoneOnlyEnds() {
        let d = EndingDecision.decide(run: ruleRun(), job: nil, outcome: .error(.exitNonzero, "x"), now: t(62), retryJitter: 0)
        #expect(d.run.status == .failed)
        #expect(d.job == nil && d.retirement == nil && d.retry == nil && !d.completesJob && !d.deletesJob)
    }
}
