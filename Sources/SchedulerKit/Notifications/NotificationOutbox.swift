import Foundation

/// The outbox policy of SchedulerKit: failure alerts and state webhooks, with their payloads
/// fixed at the moment of the transition.
///
/// - A run that ends `failed`, `timed_out` or `system_error` produces one delivery per alert of
///   its job that fires on that status (`run.failed`, `run.timed_out`, `run.system_error`).
/// - A job with a `stateWebhookURL` gets `run.state_changed` for every transition of its runs.
public struct NotificationOutbox: OutboxPolicy {
    /// Bytes of run output carried in payloads (the tail).
    public var outputTailLimit: Int

    public init(outputTailLimit: Int = 8 * 1024) {
        self.outputTailLimit = outputTailLimit
    }

    public func deliveries(for t: RunTransition) -> [NewDelivery] {
        var out: [NewDelivery] = []
        if let url = t.job.stateWebhookURL {
            let id = ULID.generate(at: t.at)
            let body = Self.webhookBody(
                deliveryId: id, event: "run.state_changed", job: t.job, run: t.run, previous: t.previous, at: t.at,
                outputTailLimit: outputTailLimit)
            out.append(NewDelivery(
                id: id, alertId: nil, channel: .webhook, event: "run.state_changed", target: url, secret: nil,
                payload: body.serialized(), firstAttemptAt: t.at))
        }
        if t.run.status.isFailure {
            let event = Self.event(for: t.run.status)
            for alert in t.alerts where alert.fires(on: t.run.status) {
                let id = ULID.generate(at: t.at)
                switch alert.type {
                case .webhook:
                    let body = Self.webhookBody(
                        deliveryId: id, event: event, job: t.job, run: t.run, previous: nil, at: t.at, outputTailLimit: outputTailLimit)
                    out.append(NewDelivery(
                        id: id, alertId: alert.id, channel: .webhook, event: event, target: alert.target, secret: alert.secret,
                        payload: body.serialized(), firstAttemptAt: t.at))
                case .email:
                    let mail = Self.emailPayload(job: t.job, run: t.run, outputTailLimit: outputTailLimit)
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

    /// The webhook body of SPEC §4 (snake_case, ISO-8601 UTC with milliseconds, keys present when null).
    public static func webhookBody(
        deliveryId: String, event: String, job: Job, run: Run, previous: RunStatus?, at: Date, outputTailLimit: Int
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
            ])),
        ]
        if event == "run.state_changed" {
            members.insert(("previous_status", .string(previous?.rawValue)), at: 4)
        }
        return .object(members)
    }

    /// The email of SPEC §4, stored as `{"subject", "body"}`; sender and recipient are added when sent.
    public static func emailPayload(job: Job, run: Run, outputTailLimit: Int) -> JSONValue {
        let subject = "[schedctl] \(job.name): run \(run.status.rawValue)"
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
