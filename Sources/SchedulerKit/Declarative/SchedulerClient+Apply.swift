import Foundation

extension SchedulerClient {
    /// Makes the store's shell jobs match `document`, by job name (SPEC §11).
    ///
    /// Creates the jobs that are missing (audit `job.create`, `alert.create`), updates those that
    /// differ (audit `job.update` when a job field differs; a changed alert is removed and added,
    /// audit `alert.delete` and `alert.create`), leaves equal jobs untouched (no write at all, so
    /// their `updated_at`, `next_run_at` and streak stay), and with ``ApplyOptions/prune`` deletes
    /// the shell jobs the document does not name.
    ///
    /// Everything is checked before anything is written: a document with any problem writes
    /// nothing and throws them all. The writes are then made one store transaction each
    /// (decision 0026): should the store fail midway, the jobs before it are applied and the
    /// error says how far it got; applying the document again completes it.
    ///
    /// For example:
    /// ```swift
    /// let plan = try await client.apply(document, options: ApplyOptions(dryRun: true))
    /// for entry in plan.entries { print(entry.action, entry.name) }
    /// ```
    ///
    /// - returns: the plan, with ``ApplyPlan/applied`` false for a dry run.
    /// - throws: ``JobsDocumentError`` listing every problem (values, `secret_env` variables
    ///   not set, a name taken by a job of another kind); a `SchedulerError` from the store.
    @discardableResult
    public func apply(_ document: JobsDocument, options: ApplyOptions = ApplyOptions()) async throws -> ApplyPlan {
        var problems = document.problems(environment: options.environment)
        let flawed = Set(problems.compactMap(\.jobIndex))
        let existing = try await store.jobs(JobQuery())
        let byName = Dictionary(existing.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let now = clock.now().millisecondPrecision
        var steps: [ApplyStep] = []
        for (index, declared) in document.jobs.enumerated() where !flawed.contains(index) {
            let current = byName[declared.name]
            var alerts: [Alert] = []
            if let current { alerts = try await store.alerts(jobId: current.id) }
            do {
                steps.append(try ApplyStep.plan(
                    declared, current: current, currentAlerts: alerts, environment: options.environment, now: now))
            } catch let problem as FieldProblem {
                problems.append(JobsDocumentProblem(jobIndex: index, jobName: declared.name, field: problem.field, message: problem.message))
            }
        }
        guard problems.isEmpty else { throw JobsDocumentError(problems) }
        if options.prune {
            let named = Set(document.jobs.map(\.name))
            steps += existing.filter { $0.kind == ShellPayload.kind && !named.contains($0.name) }.map(ApplyStep.delete)
        }

        var plan = ApplyPlan(entries: steps.map(\.entry), dryRun: options.dryRun, applied: false)
        guard !options.dryRun else { return plan }
        // Creations and updates first, deletions last: a failure midway leaves a job too many
        // rather than one too few.
        for (i, step) in steps.enumerated() {
            do {
                if let id = try await perform(step.write) { plan.entries[i].jobId = id }
            } catch let error as SchedulerError {
                let done = steps[..<i].count { if case .nothing = $0.write { false } else { true } }
                throw SchedulerError(
                    error.code,
                    "apply stopped at job \"\(step.entry.name)\" (\(done) job\(done == 1 ? "" : "s") before it applied): \(error.message)",
                    hint: "apply the file again to finish", jobStatus: error.jobStatus)
            }
        }
        plan.applied = true
        return plan
    }

    /// Makes one step's writes; returns the id of a job it created.
    private func perform(_ write: ApplyStep.Write) async throws -> JobID? {
        switch write {
        case .nothing:
            return nil
        case .create(let spec, let alerts):
            let job = try await addJob(spec)
            for alert in alerts { try await addAlert(job.id.rawValue, alert) }
            return job.id
        case .update(let id, let update, let remove, let add):
            if let update { try await updateJob(id.rawValue, update) }
            for alert in remove { try await deleteAlert(alert.id) }
            for alert in add { try await addAlert(id.rawValue, alert) }
            return nil
        case .delete(let id):
            try await deleteJob(id.rawValue)
            return nil
        }
    }
}
