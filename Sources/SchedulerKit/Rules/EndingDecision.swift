import Foundation

/// What follows from a run's end: its status and error fields, the job's streak, retirement
/// with its audit entry, the retry under the job's retry policy, and the end of a one-shot
/// job's life — the rules, with no database.
///
/// A store reads the run and its job, calls ``decide(run:job:outcome:now:retryJitter:)`` and
/// executes the result in its transaction: write ``run``'s end, insert ``retirement`` into the
/// audit log, insert ``retry`` (when its slot and attempt are taken already, it calls
/// ``retryRefused()`` and executes what that changes), write the outbox entries of ``run``'s
/// transition, then delete the job (``deletesJob``) or write ``job``.
public struct EndingDecision: Sendable {
    /// The run as ended: status from its outcome (`statusForErrorType` for errors), lease released.
    public var run: Run
    /// The job after the run's end (nil when it no longer exists).
    public var job: Job?
    /// The audit entry of the job's retirement to `failed` after `maxConsecutiveErrors`.
    public var retirement: AuditRecord?
    /// The next attempt of the slot, queued under the job's retry policy.
    public var retry: Run?
    /// A one-shot job's single slot ended: the job became `completed`.
    public var completesJob = false
    /// A one-shot job with `deleteAfterRun` ended: the store deletes it.
    public var deletesJob = false

    /// Decides the end of `run` (which must not have ended yet) with `outcome` at `now`.
    ///
    /// - Parameters:
    ///   - run: the run as it is stored, not yet ended.
    ///   - job: its job, or nil when the job no longer exists.
    ///   - outcome: how the run ended.
    ///   - now: the instant of the end.
    ///   - retryJitter: a random factor in `0...1`; a retry waits its backoff delay
    ///     times `1 + 0.25 × retryJitter`.
    public static func decide(run: Run, job: Job?, outcome: RunOutcome, now: Date, retryJitter: Double) -> EndingDecision {
        var run = run
        run.apply(outcome, at: now)
        var decision = EndingDecision(run: run, job: job)
        guard var job else { return decision }

        // Streak rules: failed/timed_out add one, success resets, the rest leave it alone.
        if run.status.countsTowardStreak {
            job.consecutiveErrors += 1
        } else if run.status == .succeeded {
            job.consecutiveErrors = 0
        }
        job.lastRunAt = run.startedAt ?? now
        job.lastRunStatus = run.status

        if job.status == .active && run.status.countsTowardStreak && job.consecutiveErrors >= job.maxConsecutiveErrors {
            job.status = .failed
            job.nextRunAt = nil
            decision.retirement = AuditRecord(
                at: now, actor: "scheduler", action: .jobAutoFail,
                details: [
                    "consecutive_errors": String(job.consecutiveErrors),
                    "max_consecutive_errors": String(job.maxConsecutiveErrors), "run_id": run.id.rawValue,
                    "run_status": run.status.rawValue,
                ])
        } else if job.status == .active, run.status.countsTowardStreak, let retry = job.retry, run.attempt < retry.maxAttempts,
            run.trigger != .manual
        {
            let delay = retry.delay(after: run.attempt) * (1 + 0.25 * retryJitter)
            decision.retry = Run(
                id: .generate(at: now), jobId: job.id, jobName: job.name, trigger: .retry, scheduledFor: run.scheduledFor,
                attempt: run.attempt + 1, queuedAt: now, notBefore: now.addingTimeInterval(delay).millisecondPrecision)
        }
        decision.job = job
        decision.endOneShotJob()
        return decision
    }

    /// The retry could not be queued (its slot and attempt exist already): without it, a
    /// one-shot job's life ends with this run.
    public mutating func retryRefused() {
        retry = nil
        endOneShotJob()
    }

    private mutating func endOneShotJob() {
        guard var job, case .at = job.schedule, job.status == .active, run.trigger != .manual, retry == nil else { return }
        job.nextRunAt = nil
        if job.deleteAfterRun { deletesJob = true } else { job.status = .completed; completesJob = true }
        self.job = job
    }
}
