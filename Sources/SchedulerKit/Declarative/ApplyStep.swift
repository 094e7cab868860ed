import Foundation

/// What apply does to one job: the plan entry a person reads and the writes behind it.
///
/// Planning compares the document with the store field by field; a job whose every field is
/// equal is `unchanged` and gets no write at all, so its `updated_at`, `next_run_at` and streak
/// stay exactly as they were.
struct ApplyStep: Sendable {
    enum Write: Sendable {
        case create(JobSpec, alerts: [AlertSpec])
        /// `job` is nil when only alerts differ (the job row is left alone).
        case update(JobID, job: JobUpdate?, removeAlerts: [Alert], addAlerts: [AlertSpec])
        case nothing
        case delete(JobID)
    }

    var entry: ApplyPlan.Entry
    var write: Write

    /// Pruning `job`.
    static func delete(_ job: Job) -> ApplyStep {
        ApplyStep(entry: ApplyPlan.Entry(name: job.name, action: .delete, jobId: job.id), write: .delete(job.id))
    }

    /// Compares `declared` with the job of that name in the store, if any.
    ///
    /// - parameters:
    ///   - now: the anchor of a new `every` job whose document gives none.
    /// - throws: ``FieldProblem`` when the store forbids it (a job of another kind has the name,
    ///   or the result breaks a rule of ``SchedulerClient/validate(_:)``).
    static func plan(
        _ declared: DeclaredJob, current: Job?, currentAlerts: [Alert], environment: [String: String], now: Date
    ) throws -> ApplyStep {
        var shell: ShellPayload?
        if let current {
            guard current.kind == ShellPayload.kind else {
                throw FieldProblem(
                    "name", "\"\(current.name)\": a job of kind \"\(current.kind)\" has this name; apply manages shell jobs only")
            }
            shell = try? current.payload.decode(ShellPayload.self)
        }
        var existingAnchor: Date?
        if case .every(_, let anchor)? = current?.schedule { existingAnchor = anchor }
        let schedule = try declared.schedule.resolved(anchor: existingAnchor ?? now).get()
        // The document has no environment or working directory: an existing job keeps its own.
        let payload = try JobPayload(
            ShellPayload(command: declared.command, environment: shell?.environment, workingDirectory: shell?.workingDirectory))
        let alerts = declared.alerts.map {
            AlertSpec(
                type: $0.alertType, target: $0.target, onFailure: $0.onFailure, onTimeout: $0.onTimeout,
                onSystemError: $0.onSystemError, secret: $0.secretEnv.map { environment[$0] ?? "" })
        }
        let stateSecret = declared.stateWebhookSecretEnv.map { environment[$0] ?? "" }
        guard let current else {
            var spec = JobSpec(
                name: declared.name, schedule: schedule, kind: ShellPayload.kind, payload: payload, timeout: declared.timeoutSeconds,
                maxConsecutiveErrors: declared.maxConsecutiveErrors, overlap: declared.overlap, misfire: declared.misfire,
                jitter: declared.jitterSeconds, stateWebhookURL: declared.stateWebhookURL)
            spec.stateWebhookSecret = stateSecret
            try check(spec)
            return ApplyStep(entry: ApplyPlan.Entry(name: declared.name, action: .create), write: .create(spec, alerts: alerts))
        }

        var update = JobUpdate()
        var differences: [ApplyPlan.Difference] = []
        func differ(_ field: String, _ from: String, _ to: String) {
            differences.append(ApplyPlan.Difference(field: field, from: from, to: to))
        }
        if !sameSchedule(current.schedule, schedule) {
            update.schedule = schedule
            differ("schedule", text(current.schedule), text(schedule))
        }
        if shell?.command != declared.command {
            update.payload = payload
            differ("command", text(shell?.command ?? []), text(declared.command))
        }
        if current.timeout != declared.timeoutSeconds {
            update.timeout = .some(declared.timeoutSeconds)
            differ("timeout_seconds", text(current.timeout), text(declared.timeoutSeconds))
        }
        if current.maxConsecutiveErrors != declared.maxConsecutiveErrors {
            update.maxConsecutiveErrors = declared.maxConsecutiveErrors
            differ("max_consecutive_errors", String(current.maxConsecutiveErrors), String(declared.maxConsecutiveErrors))
        }
        if current.overlap != declared.overlap {
            update.overlap = declared.overlap
            differ("overlap", current.overlap.rawValue, declared.overlap.rawValue)
        }
        if current.misfire != declared.misfire {
            update.misfire = declared.misfire
            differ("misfire", current.misfire.rawValue, declared.misfire.rawValue)
        }
        if current.jitter != declared.jitterSeconds {
            update.jitter = .some(declared.jitterSeconds)
            differ("jitter_seconds", text(current.jitter), text(declared.jitterSeconds))
        }
        if current.stateWebhookURL != declared.stateWebhookURL {
            update.stateWebhookURL = .some(declared.stateWebhookURL)
            differ("state_webhook_url", current.stateWebhookURL ?? "none", declared.stateWebhookURL ?? "none")
        }
        // Compared, never shown: the plan says signed / unsigned, or that the secret is new.
        if current.stateWebhookSecret != stateSecret {
            update.stateWebhookSecret = .some(stateSecret)
            let from = current.stateWebhookSecret == nil ? "unsigned" : "signed"
            let to = stateSecret == nil ? "unsigned" : (current.stateWebhookSecret == nil ? "signed" : "signed (new secret)")
            differ("state_webhook_secret_env", from, to)
        }
        let jobChanged = !differences.isEmpty
        if jobChanged {
            try check(JobSpec(
                name: current.name, schedule: update.schedule ?? current.schedule, kind: current.kind,
                payload: update.payload ?? current.payload, timeout: declared.timeoutSeconds,
                maxConsecutiveErrors: declared.maxConsecutiveErrors, overlap: declared.overlap, misfire: declared.misfire,
                jitter: declared.jitterSeconds, retry: current.retry, deleteAfterRun: current.deleteAfterRun,
                stateWebhookURL: declared.stateWebhookURL, stateWebhookSecret: stateSecret))
        }

        let (remove, add) = alertChanges(current: currentAlerts, declared: alerts)
        for alert in remove {
            differences.append(ApplyPlan.Difference(field: "alerts", from: text(alert.type, alert.target, [alert.onFailure, alert.onTimeout, alert.onSystemError], signed: alert.secret != nil), to: nil))
        }
        for spec in add {
            // The same alert with another secret reads the same in text: say which one is new.
            let rekeyed = spec.secret != nil && remove.contains { AlertKey($0, secret: false) == AlertKey(spec, secret: false) }
            differences.append(ApplyPlan.Difference(field: "alerts", from: nil, to: text(spec.type, spec.target, [spec.onFailure, spec.onTimeout, spec.onSystemError], signed: spec.secret != nil) + (rekeyed ? " (new secret)" : "")))
        }
        guard !differences.isEmpty else {
            return ApplyStep(entry: ApplyPlan.Entry(name: current.name, action: .unchanged, jobId: current.id), write: .nothing)
        }
        return ApplyStep(
            entry: ApplyPlan.Entry(name: current.name, action: .update, jobId: current.id, differences: differences),
            write: .update(current.id, job: jobChanged ? update : nil, removeAlerts: remove, addAlerts: add))
    }

    /// Pairs equal alerts (type, target, events and secret all the same); the rest of the
    /// store's are removed and the rest of the document's added. Alerts have no identity a
    /// document could carry, so a changed alert is a removal and an addition.
    static func alertChanges(current: [Alert], declared: [AlertSpec]) -> (remove: [Alert], add: [AlertSpec]) {
        var unmatched = current
        var add: [AlertSpec] = []
        for spec in declared {
            if let i = unmatched.firstIndex(where: { AlertKey($0) == AlertKey(spec) }) {
                unmatched.remove(at: i)
            } else {
                add.append(spec)
            }
        }
        return (unmatched, add)
    }

    private static func check(_ spec: JobSpec) throws {
        do {
            try SchedulerClient.validate(spec)
        } catch {
            throw FieldProblem("", error.message)
        }
    }

    /// Equal to the millisecond, zones by name (`UTC` is `GMT` on Linux).
    private static func sameSchedule(_ a: Schedule, _ b: Schedule) -> Bool {
        switch (a, b) {
        case (.cron(let e1, let z1), .cron(let e2, let z2)): e1.text == e2.text && z1.scheduleName == z2.scheduleName
        case (.every(let s1, let a1), .every(let s2, let a2)): s1 == s2 && a1.millisecondPrecision == a2.millisecondPrecision
        case (.at(let d1), .at(let d2)): d1.millisecondPrecision == d2.millisecondPrecision
        default: false
        }
    }

    private static func text(_ schedule: Schedule) -> String {
        switch schedule {
        case .cron(let e, let z): "cron \"\(e.text)\" (\(z.scheduleName))"
        case .every(let s, let anchor): "every \(DurationText.format(seconds: s)) from \(ISO8601.string(anchor))"
        case .at(let d): "at \(ISO8601.string(d))"
        }
    }

    private static func text(_ argv: [String]) -> String {
        JSONValue.array(argv.map { .string($0) }).serialized()
    }

    private static func text(_ seconds: Double?) -> String {
        seconds == nil ? "none" : JSONValue.seconds(seconds).serialized()
    }

    private static func text(_ type: AlertType, _ target: String, _ events: [Bool], signed: Bool) -> String {
        let names = zip(events, ["failure", "timeout", "system_error"]).filter(\.0).map(\.1).joined(separator: ",")
        return "\(type.rawValue) \(target) on \(names)" + (signed ? ", signed" : "")
    }
}

/// What makes two alerts the same for apply: everything but the id and creation time.
private struct AlertKey: Hashable {
    var type: AlertType
    var target: String
    var events: [Bool]
    var secret: String?

    init(_ spec: AlertSpec, secret: Bool = true) {
        type = spec.type
        target = spec.target
        events = [spec.onFailure, spec.onTimeout, spec.onSystemError]
        self.secret = secret ? spec.secret : nil
    }

    init(_ alert: Alert, secret: Bool = true) {
        self.init(AlertSpec(
            type: alert.type, target: alert.target, onFailure: alert.onFailure, onTimeout: alert.onTimeout,
            onSystemError: alert.onSystemError, secret: alert.secret), secret: secret)
    }
}
