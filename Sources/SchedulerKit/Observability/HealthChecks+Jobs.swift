import Foundation

extension HealthChecks {
    /// Dormant jobs, failure streaks and retired jobs: what the jobs' own records say.
    func jobFindings(jobs: [Job], running: [Run], now: Date) async throws -> [HealthFinding] {
        let busy = Set(running.map(\.jobId))
        var findings: [HealthFinding] = []
        for job in jobs {
            switch job.status {
            case .failed:
                findings.append(retired(job))
            case .active:
                if let f = streak(job) { findings.append(f) }
                guard !busy.contains(job.id), dormant(job, now: now) != nil else { continue }
                // Only for the few suspects: the job's latest run of any kind (a skip recorded by
                // the overlap policy, a run that just finished) shows its slots are being served.
                let latest = try await store.runs(RunQuery(jobId: job.id, limit: 1)).first
                if let f = dormant(job, now: now, latestRun: latest) { findings.append(f) }
            case .paused, .completed:
                break
            }
        }
        return findings
    }

    private func retired(_ job: Job) -> HealthFinding {
        var last = ""
        if let status = job.lastRunStatus { last = "; last run \(status.rawValue)" }
        return HealthFinding(
            id: CheckID.jobRetired, severity: .critical, category: "failures", job: job.name, jobId: job.id,
            message: "job \"\(job.name)\" was retired to failed after \(job.consecutiveErrors) consecutive errors\(last); "
                + "it stays off until resumed with force",
            details: .object(sorting: [
                "consecutive_errors": .int(job.consecutiveErrors), "max_consecutive_errors": .int(job.maxConsecutiveErrors),
                "last_run_at": .date(job.lastRunAt), "last_run_status": .string(job.lastRunStatus?.rawValue),
            ]))
    }

    private func streak(_ job: Job) -> HealthFinding? {
        let limit = job.maxConsecutiveErrors
        let threshold = max(1, Int((Double(limit) * thresholds.failureStreakFraction).rounded(.up)))
        guard job.consecutiveErrors >= threshold else { return nil }
        return HealthFinding(
            id: CheckID.failureStreak, severity: .warning, category: "failures", job: job.name, jobId: job.id,
            message: "job \"\(job.name)\" failed \(job.consecutiveErrors) time(s) in a row; it is retired at \(limit)",
            details: .object(sorting: [
                "consecutive_errors": .int(job.consecutiveErrors), "max_consecutive_errors": .int(limit),
                "warn_at": .int(threshold), "last_run_status": .string(job.lastRunStatus?.rawValue),
            ]))
    }

    /// An active job whose schedule says it should have run several times since it last did
    /// (or since it was created, resumed or changed).
    private func dormant(_ job: Job, now: Date, latestRun: Run? = nil) -> HealthFinding? {
        let activity = [job.lastRunAt, job.createdAt, job.updatedAt, latestRun?.queuedAt, latestRun?.finishedAt]
        let since = activity.compactMap { $0 }.max() ?? job.createdAt
        let cutoff = now.addingTimeInterval(-thresholds.dormantGrace)
        var missed: [Date] = []
        var expected: Double?
        switch job.schedule {
        case .at(let instant):
            // runnable since its instant, or since it was created or re-armed after it
            let due = max(instant, since)
            guard due < now.addingTimeInterval(-thresholds.dormantOneShotGrace) else { return nil }
            missed = [due]
        case .cron, .every:
            var cursor = since
            let wanted = max(1, thresholds.dormantMissedSlots)
            while missed.count < wanted, let next = job.schedule.nextFire(after: cursor), next <= cutoff {
                missed.append(next)
                cursor = next
            }
            guard missed.count >= wanted else { return nil }
            if let first = missed.first, let second = job.schedule.nextFire(after: first) {
                expected = second.timeIntervalSince(first)
            }
        }
        let lastRun = job.lastRunAt.map { "last ran \(Self.ago($0, now))" } ?? "has never run"
        let what: String
        if case .at = job.schedule {
            what = "its one slot was due \(Self.ago(missed[0], now))"
        } else {
            what = "\(missed.count) or more slots of \(job.schedule.summary) passed since \(ISO8601.string(since, milliseconds: false))"
        }
        return HealthFinding(
            id: CheckID.dormantJob, severity: .warning, category: "schedule", job: job.name, jobId: job.id,
            message: "job \"\(job.name)\" is active but \(lastRun): \(what)",
            details: .object(sorting: [
                "last_run_at": .date(job.lastRunAt), "since": .date(since), "first_missed_slot": .date(missed.first),
                "missed_slots_at_least": .int(missed.count), "expected_interval_seconds": .seconds(expected),
                "next_run_at": .date(job.nextRunAt), "schedule": .string(job.schedule.summary),
            ]))
    }
}
