/// Parses and formats durations such as `90s`, `15m`, `2h`, `1d` and `1h30m` as whole seconds.
///
/// The grammar is one or more `<digits><unit>` parts with units `d`, `h`, `m`, `s`, each
/// unit at most once and from largest to smallest, no spaces, no signs, no fractions.
/// `d` is always 86,400 seconds (interval schedules count elapsed time, not calendar days).
///
/// ```swift
/// try DurationText.parse("1h30m")        // 5400
/// DurationText.format(seconds: 90)       // "1m30s"
/// ```
public enum DurationText {
    /// Parses `text` into whole seconds.
    ///
    /// - Parameters:
    ///   - text: e.g. `90s`, `15m`, `1d2h3m4s`; surrounding whitespace is ignored.
    ///   - allowZero: accept durations of zero (`0s`); intervals and timeouts must not.
    /// - Throws: `DurationParseError` naming the token and what is allowed.
    public static func parse(_ text: String, allowZero: Bool = false) throws(DurationParseError) -> Int64 {
        let token = trimmed(text)
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty else {
            throw DurationParseError(token: token, problem: "empty duration", expected: "a number and unit such as 90s, 15m, 2h, 1d or 1h30m")
        }
        if bytes[0] == UInt8(ascii: "-") {
            throw DurationParseError(token: token, problem: "negative durations are not allowed", expected: "a positive duration such as 15m")
        }
        var total: Int64 = 0
        var lastRank = Int.max
        var i = 0
        while i < bytes.count {
            let numberStart = i
            var value: Int64 = 0
            var overflow = false
            while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int64(bytes[i] - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                value = sum
                i += 1
            }
            if i == numberStart {
                let rest = String(decoding: bytes[i...], as: UTF8.self)
                if bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: ",") {
                    throw DurationParseError(token: token, problem: "fractions are not supported", expected: "whole numbers such as 1h30m")
                }
                if CronExpression.isSpace(bytes[i]) {
                    throw DurationParseError(token: token, problem: "spaces are not allowed", expected: "parts written together such as 1h30m")
                }
                throw DurationParseError(token: token, problem: "no number before \"\(rest)\"", expected: "a number and unit such as 90s, 15m, 2h or 1d")
            }
            let digits = String(decoding: bytes[numberStart..<i], as: UTF8.self)
            guard i < bytes.count else {
                throw DurationParseError(token: token, problem: "missing unit after \"\(digits)\"", expected: "s, m, h or d")
            }
            let unitStart = i
            while i < bytes.count, !(bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")) { i += 1 }
            let unit = String(decoding: bytes[unitStart..<i], as: UTF8.self)
            let rank: Int
            let scale: Int64
            switch unit {
            case "d": (rank, scale) = (3, 86_400)
            case "h": (rank, scale) = (2, 3_600)
            case "m": (rank, scale) = (1, 60)
            case "s": (rank, scale) = (0, 1)
            default:
                if unit.first == "." || unit.first == "," {
                    throw DurationParseError(token: token, problem: "fractions are not supported", expected: "whole numbers such as 1h30m")
                }
                if unit.contains(where: \.isWhitespace) {
                    throw DurationParseError(token: token, problem: "spaces are not allowed", expected: "parts written together such as 1h30m")
                }
                throw DurationParseError(token: token, problem: "unknown unit \"\(unit)\"", expected: "s, m, h or d")
            }
            guard rank < lastRank else {
                throw DurationParseError(token: token, problem: "unit \"\(unit)\" is repeated or out of order", expected: "each of d, h, m, s at most once, largest first, e.g. 1d2h3m4s")
            }
            lastRank = rank
            let (part, o3) = value.multipliedReportingOverflow(by: scale)
            let (sum, o4) = total.addingReportingOverflow(part)
            if overflow || o3 || o4 {
                throw DurationParseError(token: token, problem: "too large", expected: "at most \(Int64.max / 86_400)d")
            }
            total = sum
        }
        if total == 0 && !allowZero {
            throw DurationParseError(token: token, problem: "must be greater than zero", expected: "a positive duration such as 30s")
        }
        return total
    }

    /// The canonical text of a duration: largest units first, zero parts left out.
    ///
    /// `90` gives `1m30s`, `86400` gives `1d`, `0` gives `0s`; negative values get a `-`.
    public static func format(seconds: Int64) -> String {
        if seconds == 0 { return "0s" }
        // Work on the magnitude as UInt64 so Int64.min does not overflow.
        var rest = seconds.magnitude
        var out = seconds < 0 ? "-" : ""
        for (unit, size) in [("d", UInt64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    private static func trimmed(_ text: String) -> String {
        var scalars = Substring(text)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
