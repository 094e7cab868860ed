import Foundation
import Testing
@testable import SchedulerKit

@Suite("Cron parsing")
struct CronParsingTests {
    /// The values a field matches, by field name.
    private func fieldValues(_ fields: CronFields, _ name: String) -> [Int] {
        switch name {
        case "second": values(fields.seconds)
        case "minute": values(fields.minutes)
        case "hour": values(fields.hours)
        case "day-of-month": values(fields.days)
        case "month": values(fields.months)
        case "day-of-week": values(fields.weekdays)
        default: []
        }
    }

    @Test("field syntax", arguments: [
        ("*/15 * * * *", "minute", [0, 15, 30, 45]),
        ("5-59/10 * * * *", "minute", [5, 15, 25, 35, 45, 55]),
        ("10/5 * * * *", "minute", [10, 15, 20, 25, 30, 35, 40, 45, 50, 55]),
        ("1,2,3-5 * * * *", "minute", [1, 2, 3, 4, 5]),
        ("05 * * * *", "minute", [5]),
        ("59/5 * * * *", "minute", [59]),
        ("*/100 * * * *", "minute", [0]),
        ("? * * * *", "minute", Array(0...59)),
        ("0 0-20/2 * * *", "hour", [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]),
        ("0 */8 * * *", "hour", [0, 8, 16]),
        ("0 0 1,15,31 * *", "day-of-month", [1, 15, 31]),
        ("0 0 */10 * *", "day-of-month", [1, 11, 21, 31]),
        ("0 0 * jan,Jul,DEC *", "month", [1, 7, 12]),
        ("0 0 * MAR-MAY *", "month", [3, 4, 5]),
        ("0 0 * */3 *", "month", [1, 4, 7, 10]),
        ("0 0 * JAN/4 *", "month", [1, 5, 9]),
        ("0 0 * * MON-FRI", "day-of-week", [1, 2, 3, 4, 5]),
        ("0 0 * * mon-wed,fri", "day-of-week", [1, 2, 3, 5]),
        ("0 0 * * 7", "day-of-week", [0]),
        ("0 0 * * 0", "day-of-week", [0]),
        ("0 0 * * 5-7", "day-of-week", [0, 5, 6]),
        ("0 0 * * */2", "day-of-week", [0, 2, 4, 6]),
        ("0 0 * * 1/2", "day-of-week", [0, 1, 3, 5]),
        ("0 0 * * SUN-SAT", "day-of-week", Array(0...6)),
        ("0 0 * * ?", "day-of-week", Array(0...6)),
        ("*/20 0 0 * * *", "second", [0, 20, 40]),
        ("0 0 * * *", "second", [0]),
        ("5-5/2 * * * *", "minute", [5]),
    ])
    func fieldSyntax(expression: String, field: String, expected: [Int]) throws {
        let cron = try CronExpression(expression)
        #expect(fieldValues(cron.fields, field) == expected)
    }

    @Test("special day terms")
    func specialDays() throws {
        let last = try CronExpression("0 0 L * *").fields
        #expect(last.lastDay && !last.lastWeekday && last.days == 0)
        let lastWeekday = try CronExpression("0 0 lw * *").fields
        #expect(lastWeekday.lastWeekday && !lastWeekday.lastDay)
        let nearest = try CronExpression("0 0 1W,15w * *").fields
        #expect(values(nearest.nearestWeekdays) == [1, 15])
        let mixed = try CronExpression("0 0 1,L * *").fields
        #expect(mixed.lastDay && values(mixed.days) == [1])
        let nth = try CronExpression("0 0 * * MON#2,1#3,7#1,FRIL,5l").fields
        #expect(nth.weekdays == 0)
        #expect(values(nth.nthWeekdays) == [0, 1 * 8 + 1, 1 * 8 + 2, 5 * 8 + 5])
    }

    @Test("day rule: AND when day-of-month or day-of-week starts with * or ?, else OR", arguments: [
        ("0 0 * * MON", true), ("0 0 */2 * MON", true), ("0 0 1 * *", true), ("0 0 1 * */2", true),
        ("0 0 ? * MON", true), ("0 0 1-7 * MON", false), ("0 0 L * FRI", false), ("0 0 15W * 1#2", false),
    ])
    func dayRule(expression: String, anded: Bool) throws {
        #expect(try CronExpression(expression).fields.daysAnded == anded)
    }

    @Test("DST rule: wall clock when minute and hour are fixed, seconds do not matter", arguments: [
        ("30 2 * * *", true), ("0,30 1-3 * * *", true), ("0 */2 * * *", false), ("* 2 * * *", false),
        ("*/5 * * * *", false), ("0 30 2 * * *", true), ("*/10 30 2 * * *", true), ("0 0 * * * *", false),
        ("@daily", true), ("@hourly", false), ("@weekly", true), ("? 2 * * *", false),
    ])
    func dstRule(expression: String, wallClock: Bool) throws {
        #expect(try CronExpression(expression).fields.wallClock == wallClock)
    }

    @Test("macros", arguments: [
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"), ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"), ("@DAILY", "0 0 * * *"),
    ])
    func macros(macro: String, expansion: String) throws {
        let cron = try CronExpression(macro)
        #expect(cron.fields == (try CronExpression(expansion)).fields)
        #expect(cron.text == macro)
        #expect(!cron.hasSeconds)
    }

    @Test("text is trimmed, equality follows text")
    func textAndEquality() throws {
        let a = try CronExpression("  0 9 * * 1-5 \n")
        #expect(a.text == "0 9 * * 1-5")
        #expect(a.description == "0 9 * * 1-5")
        #expect(a == (try CronExpression("0 9 * * 1-5")))
        #expect(a != (try CronExpression("0 9 * * MON-FRI")))
        #expect(Set([a, try CronExpression("0 9 * * 1-5")]).count == 1)
        #expect(try CronExpression("0\t9  *  *\t1-5").fields == a.fields)
        #expect(try CronExpression("0 0 9 * * *").hasSeconds)
    }

    @Test("error messages", arguments: [
        ("", nil, "empty cron expression; expected 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a macro such as @daily"),
        ("  ", nil, "empty cron expression; expected 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or a macro such as @daily"),
        ("0 0 * *", nil, "\"0 0 * *\" has 4 fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)"),
        ("0 0 * * * * *", nil, "\"0 0 * * * * *\" has 7 fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)"),
        ("@reboot", nil, "\"@reboot\" is not supported: jobs run on a time schedule, not at startup; expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"),
        ("@fortnightly", nil, "unknown macro \"@fortnightly\"; expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"),
        ("@daily 5", nil, "\"@daily 5\": a macro stands alone; expected just one of @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"),
        ("60 * * * *", "minute", "minute: \"60\": 60 is out of range; expected 0-59"),
        ("61 * * * * *", "second", "second: \"61\": 61 is out of range; expected 0-59"),
        ("* 24 * * *", "hour", "hour: \"24\": 24 is out of range; expected 0-23"),
        ("* * 0 * *", "day-of-month", "day-of-month: \"0\": 0 is out of range; expected 1-31, L, LW or nW"),
        ("* * 32 * *", "day-of-month", "day-of-month: \"32\": 32 is out of range; expected 1-31, L, LW or nW"),
        ("* * * 13 *", "month", "month: \"13\": 13 is out of range; expected JAN-DEC or 1-12"),
        ("* * * * 8", "day-of-week", "day-of-week: \"8\": 8 is out of range; expected SUN-SAT or 0-7"),
        ("* * * * MON-FRX", "day-of-week", "day-of-week: \"MON-FRX\": unknown name \"FRX\"; expected SUN-SAT or 0-7"),
        ("* * * FOO *", "month", "month: \"FOO\": unknown name \"FOO\"; expected JAN-DEC or 1-12"),
        ("* * * JANUARY *", "month", "month: \"JANUARY\": unknown name \"JANUARY\"; expected JAN-DEC or 1-12"),
        ("a * * * *", "minute", "minute: \"a\": invalid value \"a\"; expected 0-59"),
        ("* MON * * *", "hour", "hour: \"MON\": invalid value \"MON\"; expected 0-23"),
        ("5-2 * * * *", "minute", "minute: \"5-2\": range 5-2 runs backwards; expected the start to be at most the end (ranges do not wrap around)"),
        ("* * * * FRI-MON", "day-of-week", "day-of-week: \"FRI-MON\": range FRI-MON runs backwards; expected the start to be at most the end (ranges do not wrap around; write Sunday at the end as 7)"),
        ("1- * * * *", "minute", "minute: \"1-\": range \"1-\" lacks its end; expected a range such as 0-5"),
        ("-1 * * * *", "minute", "minute: \"-1\": range \"-1\" lacks its start; expected a range such as 0-5"),
        ("*/0 * * * *", "minute", "minute: \"*/0\": invalid step \"0\"; expected a whole number of at least 1 after \"/\""),
        ("*/x * * * *", "minute", "minute: \"*/x\": invalid step \"x\"; expected a whole number of at least 1 after \"/\""),
        ("1,,2 * * * *", "minute", "minute: \"1,,2\": empty list item; expected values separated by single commas, e.g. 1,15"),
        ("1, * * * *", "minute", "minute: \"1,\": empty list item; expected values separated by single commas, e.g. 1,15"),
        ("* * L/2 * *", "day-of-month", "day-of-month: \"L/2\": \"L\" cannot be part of a range or step; expected plain days 1-31 in ranges and steps"),
        ("* * 5L * *", "day-of-month", "day-of-month: \"5L\": invalid value \"5L\"; expected 1-31, L, LW or nW"),
        ("* * W * *", "day-of-month", "day-of-month: \"W\": \"W\" needs a single day before it; expected nW with n in 1-31 (nearest weekday to day n) or LW"),
        ("* * 1-5W * *", "day-of-month", "day-of-month: \"1-5W\": \"W\" needs a single day before it; expected nW with n in 1-31 (nearest weekday to day n) or LW"),
        ("* * 32W * *", "day-of-month", "day-of-month: \"32W\": 32 is out of range; expected 1-31, L, LW or nW"),
        ("* * * * MON#6", "day-of-week", "day-of-week: \"MON#6\": invalid occurrence \"6\"; expected 1-5 after \"#\", e.g. MON#2"),
        ("* * * * MON#0", "day-of-week", "day-of-week: \"MON#0\": invalid occurrence \"0\"; expected 1-5 after \"#\", e.g. MON#2"),
        ("* * * * 1-5#2", "day-of-week", "day-of-week: \"1-5#2\": \"#\" needs a single weekday before it; expected e.g. MON#2 or 1#2 for the second Monday"),
        ("* * * * L", "day-of-week", "day-of-week: \"L\": \"L\" needs a single weekday before it; expected e.g. 5L or FRIL for the last Friday of the month"),
        ("* * * * 8L", "day-of-week", "day-of-week: \"8L\": 8 is out of range; expected SUN-SAT or 0-7"),
        ("* * * * 99999999999999", "day-of-week", "day-of-week: \"99999999999999\": 99999999999999 is out of range; expected SUN-SAT or 0-7"),
        ("0 0 30 2 *", nil, "\"0 0 30 2 *\" never fires: day-of-month \"30\" does not exist in month \"2\"; expected a day that exists in the selected months"),
        ("0 0 31 4,6 *", nil, "\"0 0 31 4,6 *\" never fires: day-of-month \"31\" does not exist in month \"4,6\"; expected a day that exists in the selected months"),
        ("0 0 30W FEB *", nil, "\"0 0 30W FEB *\" never fires: day-of-month \"30W\" does not exist in month \"FEB\"; expected a day that exists in the selected months"),
        ("0 0 0 */10 4,9 5L", nil, "\"0 0 0 */10 4,9 5L\" never fires: no date in month \"4,9\" has both day-of-month \"*/10\" and day-of-week \"5L\" (both must match because day-of-month starts with \"*\"); expected rules that share a date"),
    ] as [(String, String?, String)])
    func errors(expression: String, field: String?, message: String) {
        #expect(throws: CronParseError.self) { try CronExpression(expression) }
        do {
            _ = try CronExpression(expression)
        } catch {
            #expect(error.field == field)
            #expect(error.message == message)
            #expect(error.description == message)
            #expect(!error.message.contains("\n"))
        }
    }

    @Test("error token is the offending list item")
    func errorToken() {
        do {
            _ = try CronExpression("0 9 * * MON,TUE-FRX,SAT")
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "day-of-week")
            #expect(error.token == "TUE-FRX")
        }
    }

    @Test("expressions that fire rarely are valid", arguments: [
        "0 0 29 2 *", "0 0 29 2 MON", "0 0 * 2 MON#5", "0 0 31 * *", "0 0 30 1-3 *", "0 0 LW 2 *",
        "0 0 31W * *", "0 0 29W 2 *", "0 0 */7 2 MON#5", "0 0 30 2 MON",
    ])
    func rareButValid(expression: String) throws {
        let cron = try CronExpression(expression)
        #expect(cron.nextFire(after: instant("2026-01-01T00:00:00Z"), in: zone("UTC")) != nil)
    }
}
