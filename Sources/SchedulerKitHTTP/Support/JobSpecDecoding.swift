import Foundation
import SchedulerKit

/// `POST /api/v1/jobs` bodies: the shell job of SPEC §9, decoded strictly and checked with the
/// CLI's rules and messages.
struct JobSpecDecoding {
    static let keys: Set<String> = [
        "name", "schedule", "command", "timeout_seconds", "max_consecutive_errors", "overlap", "misfire",
        "jitter_seconds", "state_webhook_url", "state_webhook_secret",
    ]
    static let scheduleKeys: Set<String> = ["kind", "expression", "timezone", "seconds", "anchor", "at"]

    /// The spec, and the state-webhook secret the body gave (kept apart until `JobSpec` has it).
    static func spec(_ body: JSONBody, now: Date) throws -> JobSpec {
        let name = try body.required("name", body.string)
        let command = try body.required("command", body.strings)
        guard let scheduleBody = try body.object("schedule", allowed: scheduleKeys) else {
            throw APIError(.badRequest, "missing key \"schedule\"")
        }
        let schedule = try Self.schedule(scheduleBody, now: now)
        // Checked in the order the CLI checks them, so the first problem named is the same.
        try Job.validateName(name)
        guard let first = command.first, !first.isEmpty else {
            throw APIError(.invalid, "command: empty; expected an array with the program and its arguments")
        }
        var spec = try JobSpec(name: name, schedule: schedule, command: command)
        spec.timeout = try body.number("timeout_seconds")
        if let n = try body.int("max_consecutive_errors") {
            guard let v = Int(exactly: n) else { throw APIError(.invalid, "max_consecutive_errors: \(n): out of range") }
            spec.maxConsecutiveErrors = v
        }
        if let text = try body.string("overlap") {
            guard let v = OverlapPolicy(rawValue: text) else {
                throw APIError(.invalid, "overlap: \"\(text)\": expected skip, allow or replace")
            }
            spec.overlap = v
        }
        if let text = try body.string("misfire") {
            switch text {
            case "run-once", "runOnce": spec.misfire = .runOnce
            case "skip": spec.misfire = .skip
            default: throw APIError(.invalid, "misfire: \"\(text)\": expected run-once or skip")
            }
        }
        spec.jitter = try body.number("jitter_seconds")
        spec.stateWebhookURL = try body.string("state_webhook_url")
        spec.stateWebhookSecret = try body.string("state_webhook_secret")
        if spec.stateWebhookSecret != nil, spec.stateWebhookURL == nil {
            throw APIError(.invalid, "state_webhook_secret: needs state_webhook_url")
        }
        try SchedulerClient.validate(spec)
        return spec
    }

    /// `{"kind":"cron","expression","timezone"}`, `{"kind":"every","seconds","anchor"}` or `{"kind":"at","at"}`.
    static func schedule(_ body: JSONBody, now: Date) throws -> Schedule {
        let kind = try body.required("kind", body.string)
        func only(_ keys: Set<String>) throws(APIError) {
            for key in body.members.keys where !keys.contains(key) && body.has(key) {
                throw APIError(.badRequest, "unknown key \"schedule.\(key)\" for a schedule of kind \(kind)")
            }
        }
        switch kind {
        case "cron":
            try only(["kind", "expression", "timezone"])
            let expression = try body.required("expression", body.string)
            let zone = try body.string("timezone") ?? "UTC"
            _ = try parseTimeZone(zone)
            do {
                return try Schedule.cron(expression, timeZone: zone)
            } catch {
                throw error.message.hasPrefix("cron") ? error : SchedulerError(.invalidInput, "cron: \(error.message)", hint: error.hint)
            }
        case "every":
            try only(["kind", "seconds", "anchor"])
            let seconds = try body.required("seconds", body.int)
            guard seconds >= 1 else { throw APIError(.invalid, "every: \(seconds) seconds: interval must be positive") }
            var anchor = now
            if let text = try body.string("anchor") {
                guard let date = ISO8601.parse(text) else { throw APIError(.invalid, Self.timeMessage("anchor", text)) }
                anchor = date
            }
            return .every(seconds: seconds, anchor: anchor)
        case "at":
            try only(["kind", "at"])
            let text = try body.required("at", body.string)
            guard let date = ISO8601.parse(text) else { throw APIError(.invalid, Self.timeMessage("at", text)) }
            return .at(date)
        default:
            throw APIError(.invalid, "schedule.kind: \"\(kind)\": expected cron, every or at")
        }
    }

    static func timeMessage(_ field: String, _ text: String) -> String {
        "\(field): \"\(text)\": not an ISO-8601 time with a zone; expected 2026-11-23T09:30:00Z or 2026-11-23T09:30:00+01:00"
    }
}
