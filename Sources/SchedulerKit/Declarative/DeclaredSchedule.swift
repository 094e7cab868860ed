import Foundation

/// A schedule as a ``JobsDocument`` writes it: the §6 JSON shape, with the cron expression and
/// zone kept as text so a bad one is reported as a problem of its job rather than refused on read.
public enum DeclaredSchedule: Sendable, Hashable {
    /// `{"kind": "cron", "expression": "0 3 * * *", "timezone": "Europe/Paris"}`.
    case cron(expression: String, timezone: String)
    /// `{"kind": "every", "seconds": 900, "anchor": "2026-11-23T09:30:00.000Z"}`. Without an anchor,
    /// a new job is anchored at the time of apply and an existing job keeps its anchor.
    case every(seconds: Int64, anchor: Date?)
    /// `{"kind": "at", "at": "2026-11-23T09:30:00.000Z"}`.
    case at(Date)

    /// The document form of a stored schedule (anchors and instants to the millisecond).
    public init(_ schedule: Schedule) {
        switch schedule {
        case .cron(let expression, let zone): self = .cron(expression: expression.text, timezone: zone.scheduleName)
        case .every(let seconds, let anchor): self = .every(seconds: seconds, anchor: anchor)
        case .at(let instant): self = .at(instant)
        }
    }

    /// The keys each kind may have.
    static let keys: [String: [String]] = [
        "cron": ["kind", "expression", "timezone"], "every": ["kind", "seconds", "anchor"], "at": ["kind", "at"],
    ]

    var tree: JSONValue {
        switch self {
        case .cron(let expression, let timezone):
            .object([("kind", "cron"), ("expression", .string(expression)), ("timezone", .string(timezone))])
        case .every(let seconds, let anchor):
            .object([("kind", "every"), ("seconds", .int(seconds)), ("anchor", .date(anchor))])
        case .at(let instant):
            .object([("kind", "at"), ("at", .date(instant))])
        }
    }

    /// Everything wrong with it: a bad zone and a bad expression are both reported.
    var problems: [FieldProblem] {
        guard case .cron(let expression, _) = self else {
            if case .failure(let problem) = resolved(anchor: .distantPast) { return [problem] }
            return []
        }
        var problems: [FieldProblem] = []
        if case .failure(let problem) = resolved(anchor: .distantPast) { problems.append(problem) }
        if problems.first?.field == "schedule.timezone", case .failure(let problem) = DeclaredSchedule.cron(
            expression: expression, timezone: "UTC"
        ).resolved(anchor: .distantPast) {
            problems.append(problem)
        }
        return problems
    }

    /// The schedule to store, or the problem with its field (`expression`, `timezone`, `seconds`).
    ///
    /// - parameters:
    ///   - anchor: for `every` without an anchor of its own.
    func resolved(anchor fallback: Date) -> Result<Schedule, FieldProblem> {
        switch self {
        case .cron(let expression, let timezone):
            let zone: TimeZone
            do {
                zone = try parseTimeZone(timezone)
            } catch {
                return .failure(FieldProblem("schedule.timezone", error.message, prefix: "time zone"))
            }
            do {
                return .success(.cron(try CronExpression(expression), timeZone: zone))
            } catch {
                return .failure(FieldProblem("schedule.expression", "\"\(expression)\": \(error.description)"))
            }
        case .every(let seconds, let anchor):
            guard seconds > 0 else { return .failure(FieldProblem("schedule.seconds", "\(seconds): must be positive")) }
            return .success(.every(seconds: seconds, anchor: (anchor ?? fallback).millisecondPrecision))
        case .at(let instant):
            return .success(.at(instant.millisecondPrecision))
        }
    }
}

/// A problem with one field of a job, before it is told which job it belongs to.
struct FieldProblem: Sendable, Hashable, Error {
    var field: String
    var message: String

    /// - parameters:
    ///   - prefix: a field name the message starts with (`time zone: ...`), dropped so the
    ///     document's own field name stands in its place.
    init(_ field: String, _ message: String, prefix: String? = nil) {
        self.field = field
        var message = message
        for p in [prefix, field].compactMap({ $0 }) where message.hasPrefix(p + ": ") {
            message = String(message.dropFirst(p.count + 2))
        }
        self.message = message
    }
}
