import Foundation

/// What a store does with one due job: the scheduling rules (misfire, overlap, one-shot jobs,
/// lookahead) applied to the job, its runs in progress and the slot plan, with no database.
///
/// A store reads the job and its open runs, calls ``decide(job:openRuns:now:misfireGrace:owner:jitter:)``
/// and executes the result inside its claim transaction, in this order: insert ``skipped``,
/// write the ends of ``replaced``, flag ``cancelRequested``, insert ``run``, then delete the job
/// (``deletesJob``) or write its ``job``'s `nextRunAt` and `status`. When ``waits`` is true it
/// does nothing: the slot is decided at its instant.
public struct SlotDecision: Sendable {
    /// The slot is within the lookahead but a run of the job is in progress and its overlap
    /// policy must decide at the slot's instant: nothing is written now.
    public var waits = false
    /// The record of slots missed while no scheduler ran, under misfire `skip` (already ended
    /// as `skipped`, code `misfire`).
    public var skipped: Run?
    /// Queued runs of earlier slots ended as `cancelled` by overlap `replace` (each was `queued`).
    public var replaced: [Run] = []
    /// Running runs of earlier slots asked to stop by overlap `replace`.
    public var cancelRequested: [RunID] = []
    /// The run created for the slot: queued, or already ended as `skipped` by overlap `skip`.
    public var run: Run?
    /// The job after the decision: its next slot and, for a one-shot job whose slot was
    /// skipped, its final status.
    public var job: Job
    /// A one-shot job with `deleteAfterRun` whose only slot was skipped: the store deletes it.
    public var deletesJob = false

    /// Decides the due slot(s) of `job` at `now`.
    ///
    /// - Parameters:
    ///   - job: the due job, with its `nextRunAt`.
    ///   - openRuns: the job's runs that are `queued` or `running`.
    ///   - now: the instant of the claim.
    ///   - misfireGrace: seconds after which a slot counts as missed.
    ///   - owner: the claiming scheduler, marked on a run queued ahead of its instant.
    ///   - jitter: a random delay in `0...j` for a job with jitter `j`.
    /// - Returns: nil when the job has no next slot.
    public static func decide(
        job: Job, openRuns: [Run], now: Date, misfireGrace: Double, owner: String, jitter: (Double) -> Double
    ) -> SlotDecision? {
        guard let first = job.nextRunAt else { return nil }
        let isOneShot: Bool
        if case .at = job.schedule { isOneShot = true } else { isOneShot = false }
        var decision = SlotDecision(job: job)
        let ahead = first > now
        let plan: SlotPlan
        if ahead {
            // A slot within the lookahead: queued now, started at its instant. Only when no
            // decision about a run in progress is needed; otherwise it is claimed when due.
            if !isOneShot && job.overlap != .allow && !openRuns.isEmpty {
                decision.waits = true
                return decision
            }
            plan = SlotPlan.upcoming(schedule: job.schedule, slot: first)
        } else {
            plan = SlotPlan.make(schedule: job.schedule, firstDue: first, now: now, grace: misfireGrace)
        }

        if let missed = plan.missedToSkip, job.misfire == .skip {
            var skip = Run(
                id: .generate(at: now), jobId: job.id, jobName: job.name, trigger: .schedule, scheduledFor: missed.slot,
                queuedAt: now)
            skip.apply(.error(.misfire, "\(missed.count) slot(s) missed while no scheduler was running; misfire policy skip"), at: now)
            decision.skipped = skip
        }
        let runSlot: (slot: Date, trigger: RunTrigger)?
        switch job.misfire {
        case .runOnce: runSlot = plan.runOnce
        case .skip: runSlot = plan.onTime.map { ($0, .schedule) }
        }

        decision.job.nextRunAt = plan.next
        guard let (slot, trigger) = runSlot else {
            if isOneShot {
                // The single slot was skipped by the misfire policy: the job's life is over.
                decision.job.nextRunAt = nil
                if job.deleteAfterRun { decision.deletesJob = true } else { decision.job.status = .completed }
            }
            return decision
        }
        var run = Run(
            id: .generate(at: now), jobId: job.id, jobName: job.name, trigger: trigger, scheduledFor: slot, queuedAt: now)
        if let j = job.jitter, j > 0 {
            run.notBefore = slot.addingTimeInterval(jitter(j)).millisecondPrecision
        } else {
            run.notBefore = slot
        }
        // Queued ahead of its instant: marked with the scheduler that did it, which releases
        // the slot again if it stops before the instant.
        if ahead { run.leaseOwner = owner }
        // A one-shot job has a single slot: it waits behind a run in progress rather than be skipped.
        let policy: OverlapPolicy = isOneShot ? .allow : job.overlap
        if !openRuns.isEmpty {
            switch policy {
            case .skip:
                let busy = openRuns[0]
                run.apply(.error(.overlap, "run \(busy.id) of an earlier slot is still \(busy.status.rawValue); overlap policy skip"), at: now)
            case .allow:
                break
            case .replace:
                for var other in openRuns {
                    if other.status == .queued {
                        other.apply(.error(.replaced, "replaced by run \(run.id) for \(ISO8601.string(slot))"), at: now)
                        decision.replaced.append(other)
                    } else {
                        decision.cancelRequested.append(other.id)
                    }
                }
            }
        }
        decision.run = run
        return decision
    }
}
