import Foundation

/// What happens to a run another scheduler queued ahead of its slot and never started, found
/// past the misfire grace (decision 0017): a pure rule, executed by every store.
public enum AbandonedRunDecision: Sendable, Equatable {
    /// Run it once, late, as the catch-up of its missed slot (trigger `catchup`, lease cleared).
    case runAsCatchup
    /// End it `skipped` (code `misfire`) with this message.
    case skip(message: String)

    /// The decision for `run` of the active `job` at `now`.
    public static func decide(run: Run, job: Job, now: Date) -> AbandonedRunDecision {
        let late = Int(now.timeIntervalSince(run.scheduledFor).rounded())
        let why = "queued ahead by \(run.leaseOwner ?? "?"), which stopped before starting it; found \(late)s after its slot"
        if job.misfire == .skip {
            return .skip(message: "\(why); misfire policy skip")
        }
        if let next = job.nextRunAt, next <= now {
            return .skip(message: "\(why); the job's catch-up run of its later missed slots replaces it (misfire policy runOnce)")
        }
        return .runAsCatchup
    }
}

/// Why a running run is ended as `lost` by the reaper (the message of its `lost` error).
public enum LostRunReason {
    /// `ownerGone`: its worker's process is known to be dead; otherwise its lease expired.
    public static func message(for run: Run, ownerGone: Bool) -> String {
        if ownerGone, let owner = run.leaseOwner {
            return "worker \(owner) is gone (process no longer exists)"
        }
        return "lease expired at \(run.leaseExpiresAt.map { ISO8601.string($0) } ?? "?") (worker \(run.leaseOwner ?? "?") stopped renewing it)"
    }
}
