import Foundation

/// A parsed cron schedule in SchedulerKit's dialect (Debian cron semantics, see Schedules.md).
///
/// ```swift
/// let cron = try CronExpression("30 2 * * *")
/// let next = cron.nextFire(after: .now, in: TimeZone(identifier: "America/New_York")!)
/// ```
///
/// Equality and hashing use `text`, so `@daily` and `0 0 * * *` are different values
/// even though they fire at the same times.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as given by the user, without surrounding whitespace.
    public let text: String
    let fields: CronFields

    /// Parses 5 fields (`minute hour day-of-month month day-of-week`), 6 fields (second
    /// first) or a macro such as `@daily`.
    ///
    /// - Throws: `CronParseError` with a one-line message naming the field and token, also
    ///   for expressions that can never fire (`0 0 30 2 *`).
    public init(_ text: String) throws(CronParseError) {
        self.text = Self.trimmed(text)
        self.fields = try Self.parseFields(self.text)
    }

    /// True for 6-field expressions, whose first field is seconds.
    public var hasSeconds: Bool { fields.hasSeconds }

    public var description: String { text }

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool {
        lhs.text == rhs.text
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(text)
    }

    /// Strips ASCII whitespace at both ends without going through Foundation, so the
    /// common already-trimmed input is returned as is.
    private static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last,
              isSpace(first) || isSpace(last) else { return text }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(text[start..<end])
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }
}
