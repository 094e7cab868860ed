import Foundation
@testable import SchedulerKit

/// Formats an instant like `2026-03-08T03:00:00-04:00`, with the zone's offset at that instant.
func iso(_ date: Date, _ zone: TimeZone) -> String {
    let offset = zone.secondsFromGMT(for: date)
    let wall = Int64(date.timeIntervalSince1970) + Int64(offset)
    let days = CivilTime.floorDiv(wall, 86_400)
    let (y, m, d) = CivilTime.date(days: Int(days))
    let s = Int(wall - days * 86_400)
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let sign = offset < 0 ? "-" : "+"
    let a = abs(offset)
    return "\(y)-\(two(m))-\(two(d))T\(two(s / 3600)):\(two(s / 60 % 60)):\(two(s % 60))\(sign)\(two(a / 3600)):\(two(a / 60 % 60))"
}

/// Parses `2026-01-01T00:00:00Z` or an offset form into an instant.
func instant(_ text: String) -> Date {
    let digits = text.split(whereSeparator: { !$0.isNumber }).map { Int($0)! }
    let days = CivilTime.days(year: digits[0], month: digits[1], day: digits[2])
    var seconds = Int64(days) * 86_400 + Int64(digits[3] * 3600 + digits[4] * 60 + digits[5])
    if !text.hasSuffix("Z") {
        let sign: Int64 = text.dropFirst(19).hasPrefix("-") ? -1 : 1
        seconds -= sign * Int64(digits[6] * 3600 + digits[7] * 60)
    }
    return Date(timeIntervalSince1970: Double(seconds))
}

func zone(_ identifier: String) -> TimeZone {
    TimeZone(identifier: identifier)!
}

/// The first `count` fire times after `from`, as ISO strings in `zoneName`.
func fires(_ expression: String, _ zoneName: String = "UTC", from: String, count: Int) throws -> [String] {
    let cron = try CronExpression(expression)
    let tz = zone(zoneName)
    return CronSequence(expression: cron, timeZone: tz, after: instant(from)).prefix(count).map { iso($0, tz) }
}

/// The values whose bits are set in `mask`.
func values<T: FixedWidthInteger>(_ mask: T) -> [Int] {
    (0..<T.bitWidth).filter { mask & (1 << T(truncatingIfNeeded: $0)) != 0 }
}
