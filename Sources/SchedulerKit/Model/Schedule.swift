import Foundation

/// When a job runs: a cron expression in a time zone, a fixed interval, or one instant.
public enum Schedule: Sendable, Hashable {
    /// Debian-cron-exact expression evaluated in `timeZone` (see `Docs/Schedules.md`).
    case cron(CronExpression, timeZone: TimeZone)
    /// Slots at `anchor + k·seconds` for every integer k.
    case every(seconds: Int64, anchor: Date)
    /// One slot.
    case at(Date)

    /// Parses a cron expression and an IANA time-zone name.
    ///
    /// - throws: `SchedulerError.invalidInput` naming the field and token, or the zone.
    public static func cron(_ expression: String, timeZone: String = "UTC") throws(SchedulerError) -> Schedule {
        let zone = try parseTimeZone(timeZone)
        do {
            return .cron(try CronExpression(expression), timeZone: zone)
        } catch {
            throw SchedulerError(.invalidInput, error.description)
        }
    }

    /// Parses an interval such as `90s`, `15m` or `1h30m`.
    public static func every(_ interval: String, anchor: Date) throws(SchedulerError) -> Schedule {
        .every(seconds: try parseDuration(interval, field: "interval"), anchor: anchor)
    }

    /// The first slot strictly after `date`, or nil when there is none.
    public func nextFire(after date: Date) -> Date? {
        switch self {
        case .cron(let expression, let zone):
            return expression.nextFire(after: date, in: zone)
        case .every(let seconds, let anchor):
            let step = Double(seconds)
            let k = ((date.timeIntervalSince(anchor)) / step).rounded(.down) + 1
            var next = anchor.addingTimeInterval(k * step)
            // Guard against floating-point edges so the result is strictly after `date`.
            while next <= date { next = next.addingTimeInterval(step) }
            return next
        case .at(let instant):
            return instant > date ? instant : nil
        }
    }

    /// The kind as written in JSON and the database: `cron`, `every` or `at`.
    public var kind: String {
        switch self {
        case .cron: "cron"
        case .every: "every"
        case .at: "at"
        }
    }

    /// A short human form: `cron "0 3 * * *" (Europe/Paris)`, `every 15m`, `at 2026-11-23T09:30:00Z`.
    public var summary: String {
        switch self {
        case .cron(let e, let z): z.scheduleName == "UTC" ? e.text : "\(e.text) (\(z.scheduleName))"
        case .every(let s, _): "every \(DurationText.format(seconds: s))"
        case .at(let d): "at \(ISO8601.string(d))"
        }
    }
}

/// Parses an IANA time-zone name.
///
/// - throws: `SchedulerError.invalidInput` when the zone is unknown.
public func parseTimeZone(_ name: String) throws(SchedulerError) -> TimeZone {
    // Every stored cron job's zone is parsed when it is read: the common names skip the
    // trimming and the lookup.
    if name == "UTC" || name == "Z" { return utcZone }
    let padded = name.first?.isWhitespace == true || name.last?.isWhitespace == true
    let trimmed = padded ? name.trimmingCharacters(in: .whitespaces) : name
    if trimmed == "UTC" || trimmed == "Z" { return utcZone }
    guard !trimmed.isEmpty, let zone = TimeZone(identifier: trimmed) else {
        throw SchedulerError(.invalidInput, "time zone: \"\(name)\": unknown time zone; expected an IANA name such as Europe/Paris or UTC")
    }
    return zone
}

private let utcZone = TimeZone(identifier: "UTC")!

/// Parses a duration (`90s`, `15m`, `2h`, `1d`, `1h30m`) into whole seconds.
///
/// - parameters:
///   - text: the duration as written.
///   - field: names the option in the error message.
///   - allowZero: whether `0s` is accepted.
/// - throws: `SchedulerError.invalidInput` naming the token.
public func parseDuration(_ text: String, field: String = "duration", allowZero: Bool = false) throws(SchedulerError) -> Int64 {
    do {
        return try DurationText.parse(text, allowZero: allowZero)
    } catch {
        var message = error.description
        if message.hasPrefix("duration:") { message = field + message.dropFirst("duration".count) }
        throw SchedulerError(.invalidInput, message)
    }
}
