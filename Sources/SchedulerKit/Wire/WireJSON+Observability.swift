import Foundation

extension WireJSON {
    /// `check --json`: `{"status", "summary": {critical, warning, info}, "checked_at", "findings": [...]}`.
    public static func health(_ findings: [HealthFinding], at now: Date) -> JSONValue {
        func count(_ s: HealthFinding.Severity) -> JSONValue { .int(findings.filter { $0.severity == s }.count) }
        return .object(sorting: [
            "status": .string(HealthStatus(findings).rawValue),
            "summary": .object(sorting: ["critical": count(.critical), "warning": count(.warning), "info": count(.info)]),
            "checked_at": .date(now),
            "findings": .array(findings.map(finding)),
        ])
    }

    /// A finding: `id, severity, category, job, job_id, message, details`.
    public static func finding(_ f: HealthFinding) -> JSONValue {
        .object(sorting: [
            "id": .string(f.id),
            "severity": .string(f.severity.rawValue),
            "category": .string(f.category),
            "job": .string(f.job),
            "job_id": .string(f.jobId?.rawValue),
            "message": .string(f.message),
            "details": f.details,
        ])
    }

    /// `report --json`.
    public static func report(_ r: FailureReport, hours: Double) -> JSONValue {
        var counts: [String: JSONValue] = [:]
        for status in RunStatus.terminal { counts[status.rawValue] = .int(r.counts[status] ?? 0) }
        let rounded: (Double?) -> JSONValue = { v in .seconds(v.map { ($0 * 1000).rounded() / 1000 }) }
        return .object(sorting: [
            "job": .object(sorting: [
                "id": .string(r.jobId.rawValue),
                "name": .string(r.jobName),
                "status": .string(r.job?.status.rawValue ?? "deleted"),
                "consecutive_errors": .int(r.job?.consecutiveErrors),
                "max_consecutive_errors": .int(r.job?.maxConsecutiveErrors),
            ]),
            "window": .object(sorting: ["from": .date(r.from), "to": .date(r.to), "hours": .seconds(hours)]),
            "total": .int(r.total),
            "counts": .members(counts),
            "in_progress": .object(sorting: ["queued": .int(r.queued), "running": .int(r.running)]),
            "success_rate": .double(r.successRate.map { ($0 * 10000).rounded() / 10000 }),
            "error_codes": .members(r.errorCodes.mapValues { .int($0) }),
            "exit_codes": .members(Dictionary(uniqueKeysWithValues: r.exitCodes.map { (String($0.key), JSONValue.int($0.value)) })),
            "duration_seconds": .object(sorting: [
                "p50": rounded(r.durationP50), "p95": rounded(r.durationP95), "max": rounded(r.durationMax),
                "samples": .int(r.durationSamples),
            ]),
            "last_failures": .array(r.lastFailures.map { run -> JSONValue in
                .object((WireJSON.run(run).objectMembers ?? []) + [("output_tail", .string(FailureReport.outputTail(run.output)))])
            }),
        ])
    }

    /// `metrics --json`: one object per sample, `{name, labels, value}`.
    public static func sample(_ s: MetricsSnapshot.Sample) -> JSONValue {
        .object(sorting: [
            "name": .string(s.name),
            "labels": .object(s.labels.map { ($0.0, JSONValue.string($0.1)) }),
            "value": .double(s.value),
        ])
    }
}
