import Foundation

extension CronExpression {
    /// The first fire instant strictly after `date`, with fields read in `timeZone`.
    ///
    /// ```swift
    /// let cron = try CronExpression("30 2 * * *")
    /// let ny = TimeZone(identifier: "America/New_York")!
    /// let start = Date(timeIntervalSince1970: 1_772_924_400) // 2026-03-07T23:00:00Z
    /// cron.nextFire(after: start, in: ny) // 2026-03-08T03:00:00-04:00: 02:30 does not exist that night
    /// ```
    ///
    /// Sub-second parts of `date` are ignored, and results are whole seconds. For many
    /// successive fire times use `CronSequence`, which keeps its caches between calls.
    ///
    /// - Returns: nil when no fire time exists before year 10000.
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        var cursor = FireTimeCursor(fields: fields, timeZone: timeZone, after: date)
        return cursor.next()
    }
}

/// The last month whose day mask was computed; successive searches mostly stay in it.
struct MonthMaskCache {
    var year = Int.min
    var month = 0
    var mask: UInt32 = 0
}

extension CronFields {
    /// The first wall-clock time at or after `wall` whose fields all match, ignoring time zones.
    ///
    /// Wall times are seconds since 1970-01-01T00:00:00 of a clock without offsets or gaps.
    ///
    /// - Returns: nil when the match would fall in year 10000 or later.
    func nextWallMatch(from wall: Int64, cache: inout MonthMaskCache) -> Int64? {
        let start = max(wall, CivilTime.firstSecond)
        guard start < CivilTime.endSecond else { return nil }
        let dayNumber = CivilTime.floorDiv(start, CivilTime.secondsPerDay)
        let secondOfDay = Int(start - dayNumber * CivilTime.secondsPerDay)
        var (year, month, day) = CivilTime.date(days: Int(dayNumber))
        var hour = secondOfDay / 3600
        var minute = (secondOfDay / 60) % 60
        var second = secondOfDay % 60

        while true {
            if months & (1 << UInt16(month)) == 0 {
                let later = months & ~((2 << UInt16(month)) &- 1)
                if later != 0 {
                    month = later.trailingZeroBitCount
                } else {
                    year += 1
                    month = months.trailingZeroBitCount
                }
                day = 1; hour = 0; minute = 0; second = 0
            }
            if year > 9999 { return nil }
            if cache.year != year || cache.month != month {
                let length = CivilTime.daysInMonth(year: year, month: month)
                let firstWeekday = CivilTime.weekday(days: CivilTime.days(year: year, month: month, day: 1))
                cache = MonthMaskCache(year: year, month: month, mask: dayMask(length: length, firstWeekday: firstWeekday))
            }
            let dayBits = cache.mask & (UInt32.max << UInt32(day))
            if dayBits == 0 {
                month += 1
                if month > 12 { month = 1; year += 1 }
                day = 1; hour = 0; minute = 0; second = 0
                continue
            }
            let matchDay = dayBits.trailingZeroBitCount
            if matchDay != day {
                day = matchDay; hour = 0; minute = 0; second = 0
            }
            let hourBits = hours & (UInt32.max << UInt32(hour))
            if hourBits == 0 {
                day += 1; hour = 0; minute = 0; second = 0
                continue
            }
            let matchHour = hourBits.trailingZeroBitCount
            if matchHour != hour {
                hour = matchHour; minute = 0; second = 0
            }
            let minuteBits = minutes & (UInt64.max << UInt64(minute))
            if minuteBits == 0 {
                hour += 1; minute = 0; second = 0
                continue
            }
            let matchMinute = minuteBits.trailingZeroBitCount
            if matchMinute != minute {
                minute = matchMinute; second = 0
            }
            let secondBits = seconds & (UInt64.max << UInt64(second))
            if secondBits == 0 {
                minute += 1; second = 0
                continue
            }
            second = secondBits.trailingZeroBitCount
            let days = Int64(CivilTime.days(year: year, month: month, day: day))
            return days * CivilTime.secondsPerDay + Int64(hour * 3600 + minute * 60 + second)
        }
    }
}
