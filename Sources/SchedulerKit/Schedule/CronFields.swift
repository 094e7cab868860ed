/// The parsed form of a cron expression: one bitset per field plus the special day rules.
///
/// Bit `n` of a field's mask is set when value `n` matches. Day-of-week 7 is folded
/// onto 0 (Sunday) at parse time.
struct CronFields: Sendable, Hashable {
    var seconds: UInt64 = 0
    var minutes: UInt64 = 0
    var hours: UInt32 = 0
    /// Plain day-of-month values, bits 1...31.
    var days: UInt32 = 0
    /// `nW` terms: bit n set for "weekday nearest to day n".
    var nearestWeekdays: UInt32 = 0
    /// `L` in day-of-month.
    var lastDay = false
    /// `LW` in day-of-month.
    var lastWeekday = false
    var months: UInt16 = 0
    /// Plain weekdays, bits 0 (Sunday) ... 6 (Saturday).
    var weekdays: UInt8 = 0
    /// `w#k` sets bit `w * 8 + k - 1`; `wL` sets bit `w * 8 + 5`.
    var nthWeekdays: UInt64 = 0
    /// Debian rule: AND when day-of-month or day-of-week starts with `*`, else OR.
    var daysAnded = true
    /// Minute and hour both fixed: times are wall-clock times (see Schedules.md).
    var wallClock = false
    var hasSeconds = false

    static let lastOccurrenceBit = 5

    /// Days of a month that match the day-of-month/day-of-week rules, as bits 1...31.
    ///
    /// - Parameters:
    ///   - length: the number of days in the month (28...31).
    ///   - firstWeekday: weekday of the 1st, 0 = Sunday.
    @inline(__always)
    func dayMask(length: Int, firstWeekday: Int) -> UInt32 {
        let valid: UInt32 = (UInt32.max >> (31 - length)) & ~1
        var dom = days & valid
        if lastDay { dom |= 1 << UInt32(length) }
        if lastWeekday {
            let w = (firstWeekday + length - 1) % 7
            dom |= 1 << UInt32(w == 0 ? length - 2 : w == 6 ? length - 1 : length)
        }
        if nearestWeekdays != 0 {
            dom |= Self.nearestWeekdayMask(nearestWeekdays & valid, length: length, firstWeekday: firstWeekday)
        }
        var dow: UInt32
        if weekdays == 0x7F {
            dow = valid
        } else {
            // Rotate the weekday set so bit k means "day k + 1 matches", then repeat it
            // every 7 bits across the month.
            let w = UInt64(weekdays)
            let shift = UInt64(firstWeekday)
            let rotated = ((w >> shift) | (w << (7 - shift))) & 0x7F
            dow = UInt32(truncatingIfNeeded: (rotated &* 0x1020_4081) << 1) & valid
        }
        if nthWeekdays != 0 {
            dow |= Self.nthWeekdayMask(nthWeekdays, length: length, firstWeekday: firstWeekday)
        }
        return daysAnded ? dom & dow : dom | dow
    }

    private static func nearestWeekdayMask(_ wanted: UInt32, length: Int, firstWeekday: Int) -> UInt32 {
        var result: UInt32 = 0
        var rest = wanted
        while rest != 0 {
            let n = rest.trailingZeroBitCount
            rest &= rest - 1
            let w = (firstWeekday + n - 1) % 7
            let day: Int
            // Quartz: never leave the month, so Saturday the 1st moves to Monday the 3rd
            // and Sunday the last to Friday.
            if w == 6 {
                day = n == 1 ? 3 : n - 1
            } else if w == 0 {
                day = n == length ? n - 2 : n + 1
            } else {
                day = n
            }
            result |= 1 << UInt32(day)
        }
        return result
    }

    private static func nthWeekdayMask(_ nth: UInt64, length: Int, firstWeekday: Int) -> UInt32 {
        var result: UInt32 = 0
        for weekday in 0..<7 {
            let bits = (nth >> UInt64(weekday * 8)) & 0xFF
            if bits == 0 { continue }
            let first = 1 + (weekday - firstWeekday + 7) % 7
            for k in 0..<5 where bits & (1 << UInt64(k)) != 0 {
                let day = first + 7 * k
                if day <= length { result |= 1 << UInt32(day) }
            }
            if bits & (1 << UInt64(lastOccurrenceBit)) != 0 {
                result |= 1 << UInt32(first + 7 * ((length - first) / 7))
            }
        }
        return result
    }

    /// Whether some date in the 400-year Gregorian cycle matches the month and day rules.
    ///
    /// Every (month length, weekday of the 1st) pair occurs in the cycle for every month,
    /// Feb 28 and Feb 29 included, so trying the 7 weekdays per month length is exhaustive.
    var canFire: Bool {
        // With OR, any weekday item matches some date in any month.
        if !daysAnded { return true }
        var rest = months
        while rest != 0 {
            let month = rest.trailingZeroBitCount
            rest &= rest - 1
            let shortest = CivilTime.daysInMonth(year: 2001, month: month)
            let longest = month == 2 ? 29 : shortest
            for length in shortest...longest {
                for firstWeekday in 0..<7 where dayMask(length: length, firstWeekday: firstWeekday) != 0 {
                    return true
                }
            }
        }
        return false
    }
}
