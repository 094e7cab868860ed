/// Proleptic Gregorian calendar arithmetic on plain integers.
///
/// The next-fire search runs millions of times per second, so it avoids `Calendar`
/// and works on day numbers (days since 1970-01-01) with Howard Hinnant's
/// days-from-civil algorithms.
enum CivilTime {
    static let secondsPerDay: Int64 = 86_400

    /// 0001-01-01T00:00:00 as seconds since 1970; no schedule searches before it.
    static let firstSecond: Int64 = -62_135_596_800
    /// 10000-01-01T00:00:00 as seconds since 1970; the search gives up at this wall time.
    static let endSecond: Int64 = 253_402_300_800

    /// Day number of a civil date (1970-01-01 is 0).
    @inline(__always)
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Civil date of a day number (inverse of `days(year:month:day:)`).
    @inline(__always)
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Weekday of a day number, 0 = Sunday ... 6 = Saturday.
    @inline(__always)
    static func weekday(days: Int) -> Int {
        // 1970-01-01 was a Thursday (4).
        let r = (days + 4) % 7
        return r < 0 ? r + 7 : r
    }

    @inline(__always)
    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    @inline(__always)
    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Floor division, so that instants before 1970 map to the right day.
    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
