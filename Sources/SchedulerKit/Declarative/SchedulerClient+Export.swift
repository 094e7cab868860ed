import Foundation

extension SchedulerClient {
    /// The store's shell jobs and their alerts as a declarative document (SPEC §11), by name.
    ///
    /// Only reads. What the document cannot carry is left out with a note: jobs of other kinds
    /// (their payload is a program's business), completed one-shots (applied elsewhere they
    /// would run again), a shell job's environment and working directory, retry and
    /// delete-after-run. Secrets never leave the store: each signed alert gets a `secret_env`
    /// variable name instead, listed in ``JobsExport/secretVariables``.
    ///
    /// For example:
    /// ```swift
    /// let export = try await client.export()
    /// print(try export.document.text(.yaml))
    /// ```
    public func export() async throws -> JobsExport {
        var jobs: [DeclaredJob] = []
        var notes: [String] = []
        var variables: [String] = []
        for job in try await store.jobs(JobQuery()) {
            guard job.kind == ShellPayload.kind, let shell = try? job.payload.decode(ShellPayload.self) else {
                notes.append("job \"\(job.name)\": kind \"\(job.kind)\" is not shell; not exported")
                continue
            }
            if job.status == .completed {
                notes.append("job \"\(job.name)\": completed one-shot; not exported (applied elsewhere it would run again)")
                continue
            }
            if job.status != .active { notes.append("job \"\(job.name)\": \(job.status.rawValue); apply creates it active") }
            var left: [String] = []
            if shell.environment != nil { left.append("environment") }
            if shell.workingDirectory != nil { left.append("working directory") }
            if job.retry != nil { left.append("retry policy") }
            if job.deleteAfterRun { left.append("delete-after-run") }
            if !left.isEmpty { notes.append("job \"\(job.name)\": \(left.joined(separator: ", ")) not exported") }
            var stateSecretEnv: String?
            if job.stateWebhookSecret != nil {
                let name = Self.secretVariable(job: job.name, suffix: "STATE_WEBHOOK", taken: variables)
                variables.append(name)
                stateSecretEnv = name
                notes.append("job \"\(job.name)\": the state webhook is signed; set \(name) to its secret before apply")
            }
            var alerts: [DeclaredAlert] = []
            for (i, alert) in try await store.alerts(jobId: job.id).enumerated() {
                var secretEnv: String?
                if alert.secret != nil {
                    let name = Self.secretVariable(job: job.name, suffix: "ALERT\(i + 1)", taken: variables)
                    variables.append(name)
                    secretEnv = name
                    notes.append("job \"\(job.name)\": alerts[\(i)] is signed; set \(name) to its secret before apply")
                }
                alerts.append(DeclaredAlert(
                    alertType: alert.type, target: alert.target, onFailure: alert.onFailure, onTimeout: alert.onTimeout,
                    onSystemError: alert.onSystemError, secretEnv: secretEnv))
            }
            jobs.append(DeclaredJob(
                name: job.name, schedule: DeclaredSchedule(job.schedule), command: shell.command, timeoutSeconds: job.timeout,
                maxConsecutiveErrors: job.maxConsecutiveErrors, overlap: job.overlap, misfire: job.misfire,
                jitterSeconds: job.jitter, stateWebhookURL: job.stateWebhookURL,
                stateWebhookSecretEnv: stateSecretEnv, alerts: alerts))
        }
        return JobsExport(document: JobsDocument(jobs: jobs), notes: notes, secretVariables: variables)
    }

    /// `SCHEDCTL_SECRET_<JOB>_<SUFFIX>`, the job name upper-cased with `.` and `-` as `_`, made
    /// unique against `taken` (`backup-db` and `backup_db` would otherwise meet).
    static func secretVariable(job: String, suffix: String, taken: [String]) -> String {
        let stem = String(job.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        let base = "SCHEDCTL_SECRET_\(stem)_\(suffix)"
        var name = base
        var n = 2
        while taken.contains(name) {
            name = "\(base)_\(n)"
            n += 1
        }
        return name
    }
}
