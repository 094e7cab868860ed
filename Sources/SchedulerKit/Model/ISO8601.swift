import Foundation

/// ISO-8601 formatting and parsing without `DateFormatter`: fast, allocation-light, and exact
/// about what it accepts.
public enum ISO8601 {
    /// `2026-11-23T12:00:00.000Z`: UTC with milliseconds, the form of every JSON timestamp.
    public static func string(_ date: Date, milliseconds: Bool = true) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let secs = floorDiv(totalMillis, 1000)
        let ms = Int(totalMillis - secs * 1000)
        let days = floorDiv(secs, 86400)
        let (y, m, d) = civilFromDays(days)
        guard (0...9999).contains(y) else {
            var s = civilString(seconds: secs)
            if milliseconds { s += "." + pad(ms, 3) }
            return s + "Z"
        }
        // Every JSON timestamp and table cell goes through here: written as bytes at once.
        let rem = Int(secs - days * 86400)
        return String(unsafeUninitializedCapacity: 24) { out in
            func put(_ v: Int, _ width: Int, at i: Int) {
                var v = v
                for k in stride(from: i + width - 1, through: i, by: -1) {
                    out[k] = UInt8(48 + v % 10)
                    v /= 10
                }
            }
            put(y, 4, at: 0)
            out[4] = 45  // -
            put(m, 2, at: 5)
            out[7] = 45
            put(d, 2, at: 8)
            out[10] = 84  // T
            put(rem / 3600, 2, at: 11)
            out[13] = 58  // :
            put(rem % 3600 / 60, 2, at: 14)
            out[16] = 58
            put(rem % 60, 2, at: 17)
            guard milliseconds else {
                out[19] = 90  // Z
                return 20
            }
            out[19] = 46  // .
            put(ms, 3, at: 20)
            out[23] = 90
            return 24
        }
    }

    /// `2026-03-08T03:00:00-04:00`: wall time in `zone` with the zone's offset at that instant.
    public static func string(_ date: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let secs = Int64(date.timeIntervalSince1970.rounded(.down))
        var s = civilString(seconds: secs + Int64(offset))
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        s += sign + pad(a / 3600, 2) + ":" + pad((a % 3600) / 60, 2)
        if a % 60 != 0 { s += ":" + pad(a % 60, 2) }
        return s
    }

    /// Parses `2026-11-23T09:30:00Z`, `2026-11-23T09:30:00.250+01:00`, `2026-11-23 09:30Z`
    /// (seconds optional, `T` or a space, `Z` or `±hh:mm`). A time without a zone is refused:
    /// an instant must be unambiguous.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = num(4), expect(45), let mo = num(2), expect(45), let d = num(2) else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }
        i += 1
        guard let h = num(2), expect(58), let mi = num(2) else { return nil }
        var sec = 0
        var frac = 0.0
        if expect(58) {
            guard let s = num(2) else { return nil }
            sec = s
            if expect(46) || expect(44) {
                var scale = 0.1
                var any = false
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    frac += Double(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        var offset = 0
        if expect(90) || expect(122) {
            offset = 0
        } else if i < b.count, b[i] == 43 || b[i] == 45 {
            let negative = b[i] == 45
            i += 1
            guard let oh = num(2) else { return nil }
            _ = expect(58)
            let om = num(2) ?? 0
            guard oh <= 23, om <= 59 else { return nil }
            offset = (oh * 3600 + om * 60) * (negative ? -1 : 1)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysInMonth(y, mo), h <= 23, mi <= 59, sec <= 59 else { return nil }
        let days = daysFromCivil(y, mo, d)
        let t = Double(days * 86400 + Int64(h * 3600 + mi * 60 + sec) - Int64(offset)) + frac
        return Date(timeIntervalSince1970: t)
    }

    // MARK: - civil calendar (proleptic Gregorian), after Howard Hinnant's algorithms

    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 {
        let y = Int64(m <= 2 ? y0 - 1 : y0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func civilString(seconds: Int64) -> String {
        let days = floorDiv(seconds, 86400)
        let rem = Int(seconds - days * 86400)
        let (y, m, d) = civilFromDays(days)
        return pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T" + pad(rem / 3600, 2) + ":" + pad(rem % 3600 / 60, 2) + ":" + pad(rem % 60, 2)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
