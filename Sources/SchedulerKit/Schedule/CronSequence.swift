import Foundation

/// The fire times of an expression in a time zone, in order, each strictly after the previous.
///
/// ```swift
/// let cron = try CronExpression("*/15 9-17 * * MON-FRI")
/// for date in CronSequence(expression: cron, timeZone: .gmt, after: .now).prefix(3) {
///     print(date)
/// }
/// ```
///
/// The iterator keeps its offset segment and month caches between calls, which makes
/// it the fast path for computing many successive fire times. It ends after year 9999.
public struct CronSequence: Sequence, Sendable {
    let expression: CronExpression
    let timeZone: TimeZone
    let after: Date

    /// - Parameters:
    ///   - expression: the schedule.
    ///   - timeZone: the zone whose wall clock the fields are read in.
    ///   - after: the first element is the first fire time strictly after this instant.
    public init(expression: CronExpression, timeZone: TimeZone, after: Date) {
        self.expression = expression
        self.timeZone = timeZone
        self.after = after
    }

    public func makeIterator() -> Iterator {
        Iterator(cursor: FireTimeCursor(fields: expression.fields, timeZone: timeZone, after: after))
    }

    /// Produces successive fire times.
    public struct Iterator: IteratorProtocol, Sendable {
        var cursor: FireTimeCursor

        public mutating func next() -> Date? {
            cursor.next()
        }
    }
}
