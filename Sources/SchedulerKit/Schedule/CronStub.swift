// TEMPORARY stand-in until the real cron engine lands. Numeric fields, *, lists, ranges, steps only.
import Foundation

public struct CronParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String?
    public var token: String
    public var message: String
    public var description: String { message }
}

public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    let sets: [Set<Int>]
    public var hasSeconds: Bool { sets.count == 6 }
    public var description: String { text }
    public init(_ text: String) throws(CronParseError) {
        let t = text.trimmingCharacters(in: .whitespaces)
        self.text = t
        let parts = t.split(separator: " ").map(String.init)
        guard parts.count == 5 || parts.count == 6 else { throw CronParseError(field: nil, token: t, message: "expected 5 or 6 fields") }
        let ranges5 = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
        let ranges = parts.count == 6 ? [(0, 59)] + ranges5 : ranges5
        var sets: [Set<Int>] = []
        for (i, p) in parts.enumerated() {
            var s = Set<Int>()
            for item in p.split(separator: ",") {
                let bits = item.split(separator: "/")
                let step = bits.count > 1 ? Int(bits[1]) ?? 1 : 1
                var lo = ranges[i].0, hi = ranges[i].1
                if bits[0] != "*" {
                    let r = bits[0].split(separator: "-")
                    guard let a = Int(r[0]) else { throw CronParseError(field: nil, token: String(item), message: "bad token \(item)") }
                    lo = a; hi = r.count > 1 ? Int(r[1]) ?? a : (bits.count > 1 ? ranges[i].1 : a)
                }
                for v in stride(from: lo, through: hi, by: step) { s.insert(v) }
            }
            sets.append(s)
        }
        if sets.count == 5 { sets.insert([0], at: 0) }
        if sets[5].contains(7) { sets[5].insert(0) }
        self.sets = sets
    }
    public func nextFire(after date: Date, in timeZone: TimeZone) -> Date? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        var t = (date.timeIntervalSince1970.rounded(.down)) + 1
        for _ in 0..<(60 * 60 * 24 * 400) {
            let d = Date(timeIntervalSince1970: t)
            let c = cal.dateComponents([.second, .minute, .hour, .day, .month, .weekday], from: d)
            if sets[0].contains(c.second!) && sets[1].contains(c.minute!) && sets[2].contains(c.hour!) && sets[3].contains(c.day!) && sets[4].contains(c.month!) && sets[5].contains(c.weekday! - 1) { return d }
            t += 1
        }
        return nil
    }
}

public enum DurationText {
    public static func parse(_ text: String, allowZero: Bool = false) throws(DurationParseError) -> Int64 {
        var total: Int64 = 0; var num: Int64 = 0; var any = false
        for c in text {
            if let d = c.wholeNumberValue { num = num * 10 + Int64(d); any = true; continue }
            guard any else { throw DurationParseError(description: "duration: \"\(text)\": expected a number") }
            switch c { case "s": total += num; case "m": total += num * 60; case "h": total += num * 3600; case "d": total += num * 86400
            default: throw DurationParseError(description: "duration: \"\(text)\": unknown unit \"\(c)\"; expected s, m, h or d") }
            num = 0; any = false
        }
        if any || text.isEmpty || (total == 0 && !allowZero) { throw DurationParseError(description: "duration: \"\(text)\": invalid") }
        return total
    }
    public static func format(seconds: Int64) -> String {
        var s = seconds; var out = ""
        for (u, n) in [("d", Int64(86400)), ("h", 3600), ("m", 60)] where s >= n { out += "\(s / n)\(u)"; s %= n }
        if s > 0 || out.isEmpty { out += "\(s)s" }
        return out
    }
}
public struct DurationParseError: Error, Sendable, Equatable, CustomStringConvertible { public var description: String }
