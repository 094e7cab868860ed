import Foundation
import SchedulerKit

/// The instant `seconds` after 2026-01-01T00:00:00Z: the tables read in offsets, not dates.
func t(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_767_225_600 + seconds) }

/// A job for the deciders' tables: `every 60s` anchored at `t(0)`, first slot at `t(60)`.
func ruleJob(
    schedule: Schedule = .every(seconds: 60, anchor: t(0)), next: Date? = t(60), overlap: OverlapPolicy = .skip,
    misfire: MisfirePolicy = .runOnce, streak: Int = 0, limit: Int = 3, retry: RetryPolicy? = nil,
    deleteAfterRun: Bool = false, status: JobStatus = .active
) -> Job {
    Job(
        id: "job-1", name: "nightly", schedule: schedule, kind: "shell", maxConsecutiveErrors: limit,
        consecutiveErrors: streak, status: status, nextRunAt: next, overlap: overlap, misfire: misfire, retry: retry,
        deleteAfterRun: deleteAfterRun, createdAt: t(0), updatedAt: t(0))
}

/// A run of `ruleJob()` in `status`, for slot `slot`.
func ruleRun(
    _ id: String = "run-1", status: RunStatus = .running, slot: Date = t(60), trigger: RunTrigger = .schedule,
    attempt: Int = 1
) -> Run {
    Run(
        id: RunID(id), jobId: "job-1", jobName: "nightly", trigger: trigger, scheduledFor: slot, attempt: attempt,
        status: status, queuedAt: slot, startedAt: status == .queued ? nil : slot,
        leaseOwner: status == .queued ? nil : "worker-a", leaseExpiresAt: status == .queued ? nil : slot.addingTimeInterval(30))
}
