import Foundation

extension HealthChecks {
    // MARK: - Stuck runs

    /// Runs still `running` past their timeout, past their lease, or whose worker's process is gone.
    func stuckRunFindings(running: [Run], jobs: [Job], now: Date) -> [HealthFinding] {
        let byId = Dictionary(jobs.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var findings: [HealthFinding] = []
        for run in running {
            var reasons: [String] = []
            var codes: [JSONValue] = []
            let timeout = byId[run.jobId]?.timeout
            let started = run.startedAt ?? run.queuedAt
            if let owner = run.leaseOwner, isOwnerGone(owner) {
                reasons.append("its worker \(owner) is gone")
                codes.append("owner_gone")
            }
            if let expiry = run.leaseExpiresAt, expiry < now.addingTimeInterval(-thresholds.stuckLeaseGrace) {
                reasons.append("its lease expired \(Self.ago(expiry, now)) unrenewed")
                codes.append("lease_expired")
            }
            if let timeout, started.addingTimeInterval(timeout + thresholds.stuckTimeoutGrace) < now {
                reasons.append("it is past its \(Self.span(timeout)) timeout")
                codes.append("past_timeout")
            }
            guard !reasons.isEmpty else { continue }
            findings.append(
                HealthFinding(
                    id: CheckID.stuckRun, severity: .critical, category: "runs", job: run.jobName, jobId: run.jobId,
                    message: "run \(run.id) of job \"\(run.jobName)\" is stuck: running for \(Self.span(now.timeIntervalSince(started))), "
                        + reasons.joined(separator: ", "),
                    details: .object(sorting: [
                        "run_id": .string(run.id.rawValue), "started_at": .date(run.startedAt),
                        "running_seconds": .seconds(Self.rounded(now.timeIntervalSince(started))),
                        "lease_owner": .string(run.leaseOwner), "lease_expires_at": .date(run.leaseExpiresAt),
                        "timeout_seconds": .seconds(timeout), "reasons": .array(codes),
                    ])))
        }
        return findings
    }

    // MARK: - Failure rates

    /// Jobs whose failure rate in the recent window is far above their own baseline.
    func failureRateFindings(jobs: [Job], now: Date) async throws -> [HealthFinding] {
        let split = now.addingTimeInterval(-thresholds.recentWindow)
        let recent = Self.tally(try await store.runCounts(RunCountQuery(finishedSince: split)))
        guard !recent.isEmpty else { return [] }
        let baseline = Self.tally(
            try await store.runCounts(
                RunCountQuery(finishedSince: split.addingTimeInterval(-thresholds.baselineWindow), finishedBefore: split)))
        var findings: [HealthFinding] = []
        for job in jobs where job.status != .failed {
            guard let r = recent[job.id], r.total >= thresholds.spikeMinRecentRuns,
                let b = baseline[job.id], b.total >= thresholds.spikeMinBaselineRuns
            else { continue }
            let recentRate = r.rate
            let baseRate = b.rate
            guard recentRate >= thresholds.spikeMinRate, recentRate >= baseRate * thresholds.spikeRatio else { continue }
            findings.append(
                HealthFinding(
                    id: CheckID.failureRateSpike, severity: .warning, category: "failures", job: job.name, jobId: job.id,
                    message: "job \"\(job.name)\" failed \(r.failures) of \(r.total) runs in the last \(Self.span(thresholds.recentWindow)) "
                        + "(\(Self.percent(recentRate))), against \(Self.percent(baseRate)) over the \(Self.span(thresholds.baselineWindow)) before",
                    details: .object(sorting: [
                        "recent_runs": .int(r.total), "recent_failures": .int(r.failures), "recent_rate": .double(Self.rounded(recentRate)),
                        "baseline_runs": .int(b.total), "baseline_failures": .int(b.failures),
                        "baseline_rate": .double(Self.rounded(baseRate)), "window_seconds": .seconds(thresholds.recentWindow),
                        "baseline_seconds": .seconds(thresholds.baselineWindow),
                    ])))
        }
        return findings
    }

    /// Runs that ran, by job: those that ended in error and all of them (skips and cancellations do not count).
    struct Tally {
        var failures = 0
        var total = 0
        var rate: Double { total == 0 ? 0 : Double(failures) / Double(total) }
    }

    static func tally(_ counts: [RunCount]) -> [JobID: Tally] {
        var out: [JobID: Tally] = [:]
        for c in counts where c.status == .succeeded || c.status.isFailure {
            out[c.jobId, default: Tally()].total += c.count
            if c.status.isFailure { out[c.jobId, default: Tally()].failures += c.count }
        }
        return out
    }

    // MARK: - Durations

    /// Runs of the recent window (and runs still running) that took far longer than their job's median.
    func durationFindings(running: [Run], now: Date) async throws -> [HealthFinding] {
        let recentStart = now.addingTimeInterval(-thresholds.recentWindow)
        var candidates = try await store.runSamples(
            RunSampleQuery(statuses: [.succeeded, .failed, .timedOut], finishedSince: recentStart))
        candidates += running.map { r in
            RunSample(
                id: r.id, jobId: r.jobId, jobName: r.jobName, status: r.status, scheduledFor: r.scheduledFor, notBefore: r.notBefore,
                startedAt: r.startedAt, finishedAt: nil, exitCode: nil, errorCode: nil)
        }
        guard !candidates.isEmpty else { return [] }
        let history = try await store.runSamples(
            RunSampleQuery(
                statuses: [.succeeded], finishedSince: recentStart.addingTimeInterval(-thresholds.baselineWindow),
                limitPerJob: thresholds.durationSampleSize + 1))
        let samplesByJob = Dictionary(grouping: history, by: \.jobId)
        var anomalies: [JobID: [DurationAnomaly]] = [:]
        for c in candidates {
            guard let duration = c.duration ?? c.startedAt.map({ now.timeIntervalSince($0) }), let samples = samplesByJob[c.jobId] else {
                continue
            }
            let others = samples.filter { $0.id != c.id }.prefix(thresholds.durationSampleSize).compactMap(\.duration)
            guard others.count >= thresholds.durationMinSamples, let median = Percentile.of(others, 0.5) else { continue }
            guard duration >= median * thresholds.durationFactor, duration - median >= thresholds.durationMinExcess else { continue }
            anomalies[c.jobId, default: []].append(DurationAnomaly(sample: c, duration: duration, median: median, samples: others.count))
        }
        return anomalies.values.compactMap { list in
            guard let w = list.max(by: { $0.ratio < $1.ratio }) else { return nil }
            let verb = w.sample.finishedAt == nil ? "has been running for" : "took"
            return HealthFinding(
                id: CheckID.durationAnomaly, severity: .warning, category: "runs", job: w.sample.jobName, jobId: w.sample.jobId,
                message: "run \(w.sample.id) of job \"\(w.sample.jobName)\" \(verb) \(Self.span(w.duration)), "
                    + "\(String(format: "%.1f", w.ratio))× the job's median of \(Self.span(w.median))",
                details: .object(sorting: [
                    "run_id": .string(w.sample.id.rawValue), "status": .string(w.sample.status.rawValue),
                    "duration_seconds": .seconds(Self.rounded(w.duration)), "median_seconds": .seconds(Self.rounded(w.median)),
                    "ratio": .double((w.ratio * 10).rounded() / 10), "samples": .int(w.samples), "anomalous_runs": .int(list.count),
                ]))
        }
    }

    /// A run far longer than its job's median.
    struct DurationAnomaly {
        var sample: RunSample
        var duration: Double
        var median: Double
        var samples: Int
        var ratio: Double { duration / max(median, 0.001) }
    }

    // MARK: - System errors

    /// Error codes with several `system_error` runs in the window, across jobs.
    func systemErrorFindings(now: Date) async throws -> [HealthFinding] {
        let counts = try await store.runCounts(RunCountQuery(finishedSince: now.addingTimeInterval(-thresholds.systemErrorWindow)))
            .filter { $0.status == .systemError }
        let byCode = Dictionary(grouping: counts, by: { $0.errorCode ?? "unknown" })
        return byCode.compactMap { code, groups in
            let total = groups.reduce(0) { $0 + $1.count }
            guard total >= thresholds.systemErrorSpikeCount else { return nil }
            var perJob: [String: Int] = [:]
            for g in groups { perJob[g.jobName, default: 0] += g.count }
            let single = perJob.count == 1 ? groups.first : nil
            return HealthFinding(
                id: CheckID.systemErrorSpike, severity: .warning, category: "failures", job: single?.jobName, jobId: single?.jobId,
                message: "\(total) run(s) ended system_error with code \(code) in the last \(Self.span(thresholds.systemErrorWindow)) "
                    + "(\(perJob.keys.sorted().joined(separator: ", ")))",
                details: .object(sorting: [
                    "error_code": .string(code), "count": .int(total), "window_seconds": .seconds(thresholds.systemErrorWindow),
                    "jobs": .members(perJob.mapValues { .int($0) }),
                ]))
        }
    }

    static func percent(_ rate: Double) -> String { String(format: "%.0f%%", rate * 100) }
}
