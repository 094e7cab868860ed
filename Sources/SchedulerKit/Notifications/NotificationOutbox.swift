import Foundation

/// The outbox policy of SchedulerKit: failure alerts and state webhooks, with their payloads
/// fixed at the moment of the transition.
///
/// - A run that ends `failed`, `timed_out` or `system_error` produces one delivery per alert of
///   its job that fires on that status (`run.failed`, `run.timed_out`, `run.system_error`).
/// - A job with a `stateWebhookURL` gets `run.state_changed` for every transition of its runs,
///   signed when it has a `stateWebhookSecret`.
public struct NotificationOutbox: OutboxPolicy {
    /// Bytes of run output carried in payloads (the tail).
    public var outputTailLimit: Int
    /// How the run's artifacts appear in webhook bodies; see ``ArtifactInlining``.
    public var artifacts: ArtifactInlining
    /// What an alert email's subject starts with (default `[SchedulerKit]`; `schedctl` uses
    /// `[schedctl]`, SPEC §4): `<prefix> <job name>: run <status>`.
    public var subjectPrefix: String

    public init(outputTailLimit: Int = 8 * 1024, artifacts: ArtifactInlining = ArtifactInlining(), subjectPrefix: String = "[SchedulerKit]") {
        self.outputTailLimit = outputTailLimit
        self.artifacts = artifacts
        self.subjectPrefix = subjectPrefix
    }

    public var artifactContentLimit: Int? { artifacts.maxInlineSize }

    public func deliveries(for t: RunTransition) -> [NewDelivery] {
        var out: [NewDelivery] = []
        if let url = t.job.stateWebhookURL {
            let id = ULID.generate(at: t.at)
            let body = Self.webhookBody(
                deliveryId: id, event: "run.state_changed", job: t.job, run: t.run, previous: t.previous, at: t.at,
                outputTailLimit: outputTailLimit, artifacts: Self.artifactsJSON(t.artifacts, artifacts))
            out.append(NewDelivery(
                id: id, alertId: nil, channel: .webhook, event: "run.state_changed", target: url, secret: t.job.stateWebhookSecret,
                payload: body.serialized(), firstAttemptAt: t.at))
        }
        if t.run.status.isFailure {
            let event = Self.event(for: t.run.status)
            for alert in t.alerts where alert.fires(on: t.run.status) {
                let id = ULID.generate(at: t.at)
                switch alert.type {
                case .webhook:
                    let body = Self.webhookBody(
                        deliveryId: id, event: event, job: t.job, run: t.run, previous: nil, at: t.at, outputTailLimit: outputTailLimit,
                        artifacts: Self.artifactsJSON(t.artifacts, artifacts))
                    out.append(NewDelivery(
                        id: id, alertId: alert.id, channel: .webhook, event: event, target: alert.target, secret: alert.secret,
                        payload: body.serialized(), firstAttemptAt: t.at))
                case .email:
                    let mail = Self.emailPayload(job: t.job, run: t.run, outputTailLimit: outputTailLimit, subjectPrefix: subjectPrefix)
                    out.append(NewDelivery(
                        id: id, alertId: alert.id, channel: .email, event: event, target: alert.target, secret: nil,
                        payload: mail.serialized(), firstAttemptAt: t.at))
                }
            }
        }
        return out
    }

    /// `run.failed`, `run.timed_out` or `run.system_error`.
    public static func event(for status: RunStatus) -> String { "run." + status.rawValue }

    /// The webhook body of SPEC §4 (snake_case, ISO-8601 UTC with milliseconds, keys present when
    /// null), with the run's `artifacts` (see ``artifactsJSON(_:_:)``).
    public static func webhookBody(
        deliveryId: String, event: String, job: Job, run: Run, previous: RunStatus?, at: Date, outputTailLimit: Int,
        artifacts: JSONValue = .array([])
    ) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(deliveryId)),
            ("type", .string(event)),
            ("idempotency_key", .string("\(run.id):\(run.status.rawValue)")),
            ("occurred_at", .date(at)),
            ("job", .object([("id", .string(job.id.rawValue)), ("name", .string(job.name))])),
            ("run", .object([
                ("id", .string(run.id.rawValue)),
                ("status", .string(run.status.rawValue)),
                ("trigger", .string(run.trigger.rawValue)),
                ("attempt", .int(run.attempt)),
                ("scheduled_for", .date(run.scheduledFor)),
                ("started_at", .date(run.startedAt)),
                ("finished_at", .date(run.finishedAt)),
                ("exit_code", .int(run.exitCode)),
                ("error_type", .string(run.errorType?.rawValue)),
                ("error_code", .string(run.errorCode)),
                ("error_message", .string(run.errorMessage)),
                ("output_tail", .string(run.output.map { tail($0, limit: outputTailLimit) })),
                ("artifacts", artifacts),
            ])),
        ]
        if event == "run.state_changed" {
            members.insert(("previous_status", .string(previous?.rawValue)), at: 4)
        }
        return .object(members)
    }

    /// The `run.artifacts` array of a webhook body: for each artifact `name`, `content_type`,
    /// `size`, `sha256`, and its bytes when small enough — `content` (UTF-8 text) for textual
    /// content types, `content_base64` otherwise; the key not used, or both for an artifact sent
    /// as metadata only, is null. `schedctl artifact RUN NAME` fetches any of them.
    public static func artifactsJSON(_ artifacts: [Artifact], _ inlining: ArtifactInlining) -> JSONValue {
        var budget = inlining.maxInlineTotal
        return .array(artifacts.map { a in
            var text: String?
            var base64: String?
            if let data = a.data, a.size <= inlining.maxInlineSize, a.size <= budget {
                budget -= a.size
                if a.isTextual, let s = String(data: data, encoding: .utf8) {
                    text = s
                } else {
                    base64 = data.base64EncodedString()
                }
            }
            return .object([
                ("name", .string(a.name)),
                ("content_type", .string(a.contentType)),
                ("size", .int(a.size)),
                ("sha256", .string(a.sha256)),
                ("content", .string(text)),
                ("content_base64", .string(base64)),
            ])
        })
    }

    /// The email of SPEC §4, stored as `{"subject", "body"}`; sender and recipient are added when sent.
    public static func emailPayload(job: Job, run: Run, outputTailLimit: Int, subjectPrefix: String = "[SchedulerKit]") -> JSONValue {
        let subject = "\(subjectPrefix) \(job.name): run \(run.status.rawValue)"
        var lines = [
            "Job:          \(job.name) (\(job.id))",
            "Run:          \(run.id)",
            "Status:       \(run.status.rawValue)",
            "Trigger:      \(run.trigger.rawValue) (attempt \(run.attempt))",
            "Exit code:    \(run.exitCode.map { String($0) } ?? "-")",
            "Error:        \(run.errorType.map { "\($0.rawValue)/" } ?? "")\(run.errorCode ?? "-")\(run.errorMessage.map { ": \($0)" } ?? "")",
            "Scheduled:    \(ISO8601.string(run.scheduledFor))",
            "Started:      \(run.startedAt.map { ISO8601.string($0) } ?? "-")",
            "Finished:     \(run.finishedAt.map { ISO8601.string($0) } ?? "-")",
            "",
        ]
        if let output = run.output, !output.isEmpty {
            lines.append("Output (tail):")
            lines.append(tail(output, limit: outputTailLimit))
        } else {
            lines.append("No output.")
        }
        return .object([("subject", .string(subject)), ("body", .string(lines.joined(separator: "\n")))])
    }

    /// The last `limit` bytes of `text`, cut at a character boundary.
    static func tail(_ text: String, limit: Int) -> String {
        let utf8 = text.utf8
        guard utf8.count > limit else { return text }
        var start = utf8.index(utf8.endIndex, offsetBy: -limit)
        while start < utf8.endIndex, (utf8[start] & 0xC0) == 0x80 { start = utf8.index(after: start) }
        return String(text[start...])
    }
}

/// Which artifacts a webhook body carries inline: each at most ``maxInlineSize`` bytes, in
/// creation order, until ``maxInlineTotal`` bytes are used; the others as metadata only.
public struct ArtifactInlining: Sendable, Hashable {
    /// Bytes of one artifact carried inline at most (default 16 KiB).
    public var maxInlineSize: Int
    /// Bytes of all inline artifacts of one body at most (default 64 KiB).
    public var maxInlineTotal: Int

    public init(maxInlineSize: Int = 16 * 1024, maxInlineTotal: Int = 64 * 1024) {
        self.maxInlineSize = maxInlineSize
        self.maxInlineTotal = maxInlineTotal
    }
}

extension SQLiteJobStore.Configuration {
    /// The default settings: the store writes the alert and state-webhook notifications of SPEC §4
    /// (``NotificationOutbox`` with its defaults). Storage itself knows only ``OutboxPolicy``;
    /// pass ``NoOutbox`` to `init(outbox:)` for a store that writes none.
    public init() {
        self.init(outbox: NotificationOutbox())
    }
}
