import Foundation

/// What the scheduler did, for observers in the same process (`Scheduler.events()`).
public enum SchedulerEvent: Sendable {
    /// The scheduler started (after reaping runs left by dead workers).
    case started(owner: String)
    /// A run was created: `queued`, or recorded directly as `skipped`/`cancelled`.
    case runCreated(Run)
    /// A run started on this scheduler.
    case runStarted(Run)
    /// A run's end was recorded (by this scheduler, or by its reaper for a lost run).
    case runFinished(CompletionResult)
    /// A job reached its failure limit and was retired to `failed`.
    case jobRetired(Job)
    /// The dispatcher attempted a delivery and recorded the result.
    case deliveryAttempted(Delivery, DeliveryAttemptRecord)
    /// The pruner finished a pass (retention).
    case pruned(PruneReport)
    /// The store failed; the scheduler keeps trying.
    case storeError(SchedulerError)
    /// The scheduler stopped; nothing of its runs is left `running`.
    case stopped
}
