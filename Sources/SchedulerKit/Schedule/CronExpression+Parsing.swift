extension CronExpression {
    static let macroList = "@yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"

    /// Parses trimmed text into field bitsets, including the never-fires check.
    static func parseFields(_ text: String) throws(CronParseError) -> CronFields {
        guard !text.isEmpty else {
            throw CronParseError(
                field: nil, token: text,
                message: "empty cron expression; expected 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a macro such as @daily")
        }
        if text.utf8.first == UInt8(ascii: "@") {
            return try parseFields(expandingMacro: text)
        }
        var copy = text
        let result = copy.withUTF8 { bytes in
            var parser = CronTextParser(bytes: bytes)
            return Result { () throws(CronParseError) -> CronFields in try parser.parse() }
        }
        let fields = try result.get()
        guard fields.canFire else { throw neverFiresError(text) }
        return fields
    }

    private static func parseFields(expandingMacro text: String) throws(CronParseError) -> CronFields {
        let expansion: String
        switch text.lowercased() {
        case "@yearly", "@annually": expansion = "0 0 1 1 *"
        case "@monthly": expansion = "0 0 1 * *"
        case "@weekly": expansion = "0 0 * * 0"
        case "@daily", "@midnight": expansion = "0 0 * * *"
        case "@hourly": expansion = "0 * * * *"
        case "@reboot":
            throw CronParseError(
                field: nil, token: text,
                message: "\"\(text)\" is not supported: jobs run on a time schedule, not at startup; expected \(macroList)")
        default:
            if text.utf8.contains(where: isSpace) {
                throw CronParseError(
                    field: nil, token: text,
                    message: "\"\(text)\": a macro stands alone; expected just one of \(macroList)")
            }
            throw CronParseError(field: nil, token: text, message: "unknown macro \"\(text)\"; expected \(macroList)")
        }
        return try parseFields(expansion)
    }

    private static func neverFiresError(_ text: String) -> CronParseError {
        let parts = text.split(whereSeparator: { $0.isWhitespace })
        let offset = parts.count == 6 ? 1 : 0
        let dom = parts[2 + offset], month = parts[3 + offset], dow = parts[4 + offset]
        let message: String
        if dow.first == "*" || dow.first == "?" {
            message = "\"\(text)\" never fires: day-of-month \"\(dom)\" does not exist in month \"\(month)\"; expected a day that exists in the selected months"
        } else {
            message = "\"\(text)\" never fires: no date in month \"\(month)\" has both day-of-month \"\(dom)\" and day-of-week \"\(dow)\" (both must match because day-of-month starts with \"*\"); expected rules that share a date"
        }
        return CronParseError(field: nil, token: text, message: message)
    }
}

/// Byte-level parser; works on the UTF-8 buffer so parsing allocates nothing unless it fails.
private struct CronTextParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var fields = CronFields()

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private static let monthNames: [UInt32] = ["jan", "feb", "mar", "apr", "may", "jun",
                                               "jul", "aug", "sep", "oct", "nov", "dec"].map(key)
    private static let dayNames: [UInt32] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"].map(key)

    private static func key(_ name: String) -> UInt32 {
        name.utf8.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func parse() throws(CronParseError) -> CronFields {
        let count = fieldCount()
        guard count == 5 || count == 6 else {
            let text = string(0..<bytes.count)
            throw CronParseError(
                field: nil, token: text,
                message: "\"\(text)\" has \(count) field\(count == 1 ? "" : "s"); expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)")
        }
        fields.hasSeconds = count == 6
        if count == 5 { fields.seconds = 1 }
        var kind = count == 6 ? CronFieldKind.second : .minute
        var i = 0
        var wildcardMinuteOrHour = false
        var wildcardDay = false
        while i < bytes.count {
            while i < bytes.count, CronExpression.isSpace(bytes[i]) { i += 1 }
            if i == bytes.count { break }
            let start = i
            while i < bytes.count, !CronExpression.isSpace(bytes[i]) { i += 1 }
            let startsWild = bytes[start] == UInt8(ascii: "*") || bytes[start] == UInt8(ascii: "?")
            switch kind {
            case .minute, .hour: wildcardMinuteOrHour = wildcardMinuteOrHour || startsWild
            case .dayOfMonth, .dayOfWeek: wildcardDay = wildcardDay || startsWild
            default: break
            }
            try parseField(kind, start..<i)
            kind = CronFieldKind(rawValue: kind.rawValue + 1) ?? .dayOfWeek
        }
        fields.wallClock = !wildcardMinuteOrHour
        fields.daysAnded = wildcardDay
        return fields
    }

    private func fieldCount() -> Int {
        var count = 0
        var inField = false
        for byte in bytes {
            let space = CronExpression.isSpace(byte)
            if !space && !inField { count += 1 }
            inField = !space
        }
        return count
    }

    private mutating func parseField(_ kind: CronFieldKind, _ range: Range<Int>) throws(CronParseError) {
        var mask: UInt64 = 0
        var start = range.lowerBound
        while true {
            var end = start
            while end < range.upperBound, bytes[end] != UInt8(ascii: ",") { end += 1 }
            if end == start {
                throw CronParseError(
                    field: kind.name, token: string(range), problem: "empty list item",
                    expected: "values separated by single commas, e.g. 1,15")
            }
            mask |= try parseTerm(kind, start..<end)
            if end == range.upperBound { break }
            start = end + 1
            if start == range.upperBound {
                throw CronParseError(
                    field: kind.name, token: string(range), problem: "empty list item",
                    expected: "values separated by single commas, e.g. 1,15")
            }
        }
        switch kind {
        case .second: fields.seconds = mask
        case .minute: fields.minutes = mask
        case .hour: fields.hours = UInt32(truncatingIfNeeded: mask)
        case .dayOfMonth: fields.days = UInt32(truncatingIfNeeded: mask)
        case .month: fields.months = UInt16(truncatingIfNeeded: mask)
        case .dayOfWeek:
            // 7 is Sunday too.
            let folded = (mask | (mask >> 7)) & 0x7F
            fields.weekdays = UInt8(truncatingIfNeeded: folded)
        }
    }

    /// Parses one list item; returns plain-value bits and records special day rules in `fields`.
    private mutating func parseTerm(_ kind: CronFieldKind, _ term: Range<Int>) throws(CronParseError) -> UInt64 {
        if kind == .dayOfMonth, let special = try dayOfMonthSpecial(term) {
            return special
        }
        if kind == .dayOfWeek, try dayOfWeekSpecial(term) {
            return 0
        }
        var slash = term.lowerBound
        while slash < term.upperBound, bytes[slash] != UInt8(ascii: "/") { slash += 1 }
        let base = term.lowerBound..<slash
        var step = 1
        if slash < term.upperBound {
            let stepRange = (slash + 1)..<term.upperBound
            guard let n = number(stepRange), n >= 1 else {
                throw CronParseError(
                    field: kind.name, token: string(term), problem: "invalid step \"\(string(stepRange))\"",
                    expected: "a whole number of at least 1 after \"/\"")
            }
            step = n
        }
        var low: Int
        var high: Int
        if base.count == 1, bytes[base.lowerBound] == UInt8(ascii: "*") || bytes[base.lowerBound] == UInt8(ascii: "?") {
            low = kind.lowerBound
            high = kind.upperBound
        } else {
            var dash = base.lowerBound
            while dash < base.upperBound, bytes[dash] != UInt8(ascii: "-") { dash += 1 }
            if dash < base.upperBound {
                let lowRange = base.lowerBound..<dash
                let highRange = (dash + 1)..<base.upperBound
                if lowRange.isEmpty || highRange.isEmpty {
                    throw CronParseError(
                        field: kind.name, token: string(term),
                        problem: "range \"\(string(base))\" lacks its \(lowRange.isEmpty ? "start" : "end")",
                        expected: "a range such as \(kind == .dayOfWeek ? "MON-FRI or 1-5" : kind == .month ? "JAN-MAR or 1-3" : "\(kind.lowerBound)-\(kind.lowerBound + 5)")")
                }
                low = try value(kind, lowRange, term: term)
                high = try value(kind, highRange, term: term)
                if high < low {
                    throw CronParseError(
                        field: kind.name, token: string(term), problem: "range \(string(base)) runs backwards",
                        expected: kind == .dayOfWeek
                            ? "the start to be at most the end (ranges do not wrap around; write Sunday at the end as 7)"
                            : "the start to be at most the end (ranges do not wrap around)")
                }
            } else {
                low = try value(kind, base, term: term)
                // "10/5" means "10-max/5".
                high = slash < term.upperBound ? kind.upperBound : low
            }
        }
        if step == 1 {
            return (UInt64.max >> UInt64(63 - high)) & (UInt64.max << UInt64(low))
        }
        var mask: UInt64 = 0
        var v = low
        while v <= high {
            mask |= 1 << UInt64(v)
            v += step
        }
        return mask
    }

    /// `L`, `LW` and `nW`; nil when the term is an ordinary one.
    private mutating func dayOfMonthSpecial(_ term: Range<Int>) throws(CronParseError) -> UInt64? {
        let last = upper(bytes[term.upperBound - 1])
        if term.count == 1, last == UInt8(ascii: "L") {
            fields.lastDay = true
            return 0
        }
        guard last == UInt8(ascii: "W") else { return nil }
        let head = term.lowerBound..<(term.upperBound - 1)
        if head.count == 1, upper(bytes[head.lowerBound]) == UInt8(ascii: "L") {
            fields.lastWeekday = true
            return 0
        }
        guard let n = number(head) else {
            throw CronParseError(
                field: CronFieldKind.dayOfMonth.name, token: string(term),
                problem: "\"W\" needs a single day before it",
                expected: "nW with n in 1-31 (nearest weekday to day n) or LW")
        }
        guard (1...31).contains(n) else {
            throw CronParseError(
                field: CronFieldKind.dayOfMonth.name, token: string(term), problem: "\(string(head)) is out of range",
                expected: CronFieldKind.dayOfMonth.expected)
        }
        fields.nearestWeekdays |= 1 << UInt32(n)
        return 0
    }

    /// `wL` (last weekday w of the month) and `w#k` (k-th weekday w); false for other terms.
    private mutating func dayOfWeekSpecial(_ term: Range<Int>) throws(CronParseError) -> Bool {
        let kind = CronFieldKind.dayOfWeek
        if let hash = term.firstIndex(where: { bytes[$0] == UInt8(ascii: "#") }) {
            let head = term.lowerBound..<hash
            let tail = (hash + 1)..<term.upperBound
            if head.contains(where: { bytes[$0] == UInt8(ascii: "-") || bytes[$0] == UInt8(ascii: "/") || bytes[$0] == UInt8(ascii: "*") }) {
                throw CronParseError(
                    field: kind.name, token: string(term), problem: "\"#\" needs a single weekday before it",
                    expected: "e.g. MON#2 or 1#2 for the second Monday")
            }
            let weekday = try value(kind, head, term: term) % 7
            guard let k = number(tail), (1...5).contains(k) else {
                throw CronParseError(
                    field: kind.name, token: string(term), problem: "invalid occurrence \"\(string(tail))\"",
                    expected: "1-5 after \"#\", e.g. MON#2")
            }
            fields.nthWeekdays |= 1 << UInt64(weekday * 8 + k - 1)
            return true
        }
        guard upper(bytes[term.upperBound - 1]) == UInt8(ascii: "L") else { return false }
        let head = term.lowerBound..<(term.upperBound - 1)
        if head.isEmpty || head.contains(where: { bytes[$0] == UInt8(ascii: "-") || bytes[$0] == UInt8(ascii: "/") || bytes[$0] == UInt8(ascii: "*") }) {
            throw CronParseError(
                field: kind.name, token: string(term), problem: "\"L\" needs a single weekday before it",
                expected: "e.g. 5L or FRIL for the last Friday of the month")
        }
        let weekday = try value(kind, head, term: term) % 7
        fields.nthWeekdays |= 1 << UInt64(weekday * 8 + CronFields.lastOccurrenceBit)
        return true
    }

    /// A number or (month, day-of-week) a three-letter name, checked against the field's bounds.
    private func value(_ kind: CronFieldKind, _ range: Range<Int>, term: Range<Int>) throws(CronParseError) -> Int {
        if let n = number(range) {
            guard n >= kind.lowerBound && n <= kind.upperBound else {
                throw CronParseError(
                    field: kind.name, token: string(term), problem: "\(string(range)) is out of range",
                    expected: kind.expected)
            }
            return n
        }
        let text = string(range)
        if range.isEmpty {
            throw CronParseError(field: kind.name, token: string(term), problem: "missing value", expected: kind.expected)
        }
        let letters = range.allSatisfy { (bytes[$0] | 0x20) >= UInt8(ascii: "a") && (bytes[$0] | 0x20) <= UInt8(ascii: "z") }
        if kind == .dayOfMonth, letters, upper(bytes[range.upperBound - 1]) == UInt8(ascii: "L") || upper(bytes[range.upperBound - 1]) == UInt8(ascii: "W") {
            throw CronParseError(
                field: kind.name, token: string(term), problem: "\"\(text)\" cannot be part of a range or step",
                expected: "plain days 1-31 in ranges and steps")
        }
        guard letters, kind == .month || kind == .dayOfWeek else {
            throw CronParseError(field: kind.name, token: string(term), problem: "invalid value \"\(text)\"", expected: kind.expected)
        }
        if range.count == 3 {
            let key = range.reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[$1] | 0x20) }
            if kind == .month, let i = Self.monthNames.firstIndex(of: key) { return i + 1 }
            if kind == .dayOfWeek, let i = Self.dayNames.firstIndex(of: key) { return i }
        }
        throw CronParseError(field: kind.name, token: string(term), problem: "unknown name \"\(text)\"", expected: kind.expected)
    }

    /// Decimal digits only; values beyond 9999 are reported as 10000 so range checks fail cleanly.
    private func number(_ range: Range<Int>) -> Int? {
        if range.isEmpty { return nil }
        var n = 0
        for i in range {
            let d = bytes[i] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            n = min(n * 10 + Int(d), 10_000)
        }
        return n
    }

    @inline(__always)
    private func upper(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
    }

    private func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}
