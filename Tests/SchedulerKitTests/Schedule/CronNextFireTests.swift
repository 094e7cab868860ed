import Foundation
import Testing
@testable import SchedulerKit

/// Next-fire tables in UTC; expected values agree with cronsim 2.8 except for the
/// SchedulerKit-only syntax (`nW`, `?`, macros).
@Suite("Cron next fire")
struct CronNextFireTests {
    @Test("features", arguments: [
        ("*/15 * * * *", "2026-01-01T00:07:00Z",
         ["2026-01-01T00:15:00+00:00", "2026-01-01T00:30:00+00:00", "2026-01-01T00:45:00+00:00"]),
        ("5-59/10 * * * *", "2026-01-01T00:07:00Z",
         ["2026-01-01T00:15:00+00:00", "2026-01-01T00:25:00+00:00", "2026-01-01T00:35:00+00:00"]),
        ("10/5 * * * *", "2026-01-01T00:57:00Z",
         ["2026-01-01T01:10:00+00:00", "2026-01-01T01:15:00+00:00", "2026-01-01T01:20:00+00:00"]),
        ("0 9 * * MON-FRI", "2026-01-02T10:00:00Z",
         ["2026-01-05T09:00:00+00:00", "2026-01-06T09:00:00+00:00", "2026-01-07T09:00:00+00:00"]),
        ("0 0 1,15 * *", "2026-01-01T00:00:00Z",
         ["2026-01-15T00:00:00+00:00", "2026-02-01T00:00:00+00:00", "2026-02-15T00:00:00+00:00"]),
        ("0 0 L * *", "2026-01-31T00:00:00Z",
         ["2026-02-28T00:00:00+00:00", "2026-03-31T00:00:00+00:00", "2026-04-30T00:00:00+00:00"]),
        ("0 0 LW * *", "2026-01-01T00:00:00Z",
         ["2026-01-30T00:00:00+00:00", "2026-02-27T00:00:00+00:00", "2026-03-31T00:00:00+00:00"]),
        ("0 18 * * 5L", "2026-01-01T00:00:00Z",
         ["2026-01-30T18:00:00+00:00", "2026-02-27T18:00:00+00:00", "2026-03-27T18:00:00+00:00"]),
        ("0 18 * * FRIL", "2026-01-01T00:00:00Z",
         ["2026-01-30T18:00:00+00:00", "2026-02-27T18:00:00+00:00", "2026-03-27T18:00:00+00:00"]),
        ("0 12 * * MON#2", "2026-01-01T00:00:00Z",
         ["2026-01-12T12:00:00+00:00", "2026-02-09T12:00:00+00:00", "2026-03-09T12:00:00+00:00"]),
        ("0 12 * * 1#2", "2026-01-01T00:00:00Z",
         ["2026-01-12T12:00:00+00:00", "2026-02-09T12:00:00+00:00", "2026-03-09T12:00:00+00:00"]),
        ("0 0 * 2 MON#5", "2026-01-01T00:00:00Z",
         ["2044-02-29T00:00:00+00:00"]),
        ("0 0 * * 7", "2026-01-01T00:00:00Z", ["2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"]),
        ("0 0 * * 0", "2026-01-01T00:00:00Z", ["2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"]),
        ("0 0 1 jan,JUL *", "2026-01-01T00:00:00Z",
         ["2026-07-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00", "2027-07-01T00:00:00+00:00"]),
        // OR: days 1-7 or any Monday.
        ("0 0 1-7 * MON", "2026-01-06T12:00:00Z",
         ["2026-01-07T00:00:00+00:00", "2026-01-12T00:00:00+00:00", "2026-01-19T00:00:00+00:00"]),
        // AND: odd days that are Mondays.
        ("0 0 */2 * MON", "2026-01-01T00:00:00Z",
         ["2026-01-05T00:00:00+00:00", "2026-01-19T00:00:00+00:00", "2026-02-09T00:00:00+00:00"]),
        ("0 0 ? * MON", "2026-01-01T00:00:00Z", ["2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00"]),
        ("*/20 * * * * *", "2026-01-01T00:00:00Z",
         ["2026-01-01T00:00:20+00:00", "2026-01-01T00:00:40+00:00", "2026-01-01T00:01:00+00:00"]),
        ("0 0 29 2 *", "2026-01-01T00:00:00Z", ["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"]),
        ("0 0 29 2 *", "2096-03-01T00:00:00Z", ["2104-02-29T00:00:00+00:00"]),
        ("59 23 31 12 *", "2026-01-01T00:00:00Z", ["2026-12-31T23:59:00+00:00", "2027-12-31T23:59:00+00:00"]),
        ("0 0 31 * *", "2026-01-31T00:00:00Z", ["2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00"]),
        ("15,45 */2 1-7 * MON", "2026-01-01T00:00:00Z",
         ["2026-01-01T00:15:00+00:00", "2026-01-01T00:45:00+00:00", "2026-01-01T02:15:00+00:00"]),
        ("@hourly", "2026-01-01T00:30:00Z", ["2026-01-01T01:00:00+00:00"]),
        ("@daily", "2026-01-01T00:30:00Z", ["2026-01-02T00:00:00+00:00"]),
        ("@weekly", "2026-01-01T00:30:00Z", ["2026-01-04T00:00:00+00:00"]),
        ("@monthly", "2026-01-01T00:30:00Z", ["2026-02-01T00:00:00+00:00"]),
        ("@yearly", "2026-01-01T00:30:00Z", ["2027-01-01T00:00:00+00:00"]),
        // Strictly after: a start exactly on a fire time skips it.
        ("0 9 * * *", "2026-01-01T09:00:00Z", ["2026-01-02T09:00:00+00:00"]),
        ("1 1 1 1 *", "1969-06-01T00:00:00Z", ["1970-01-01T01:01:00+00:00"]),
    ] as [(String, String, [String])])
    func features(expression: String, from: String, expected: [String]) throws {
        #expect(try fires(expression, from: from, count: expected.count) == expected)
    }

    @Test("nearest weekday nW (Quartz: never crosses the month)", arguments: [
        // 2026-08-01 is a Saturday: Monday the 3rd, not Friday July 31.
        ("0 9 1W * *", "2026-07-15T00:00:00Z", ["2026-08-03T09:00:00+00:00"]),
        // 2026-05-31 is a Sunday: Friday the 29th, not Monday June 1.
        ("0 9 31W * *", "2026-05-15T00:00:00Z", ["2026-05-29T09:00:00+00:00"]),
        // 2026-02-15 and 2026-03-15 are Sundays (Monday), 2026-08-15 a Saturday (Friday).
        ("0 9 15W * *", "2026-01-01T00:00:00Z",
         ["2026-01-15T09:00:00+00:00", "2026-02-16T09:00:00+00:00", "2026-03-16T09:00:00+00:00"]),
        ("0 9 15W 8 *", "2026-01-01T00:00:00Z", ["2026-08-14T09:00:00+00:00"]),
        // Months without a 31st are skipped, like plain 31.
        ("0 9 31W * *", "2026-01-01T00:00:00Z",
         ["2026-01-30T09:00:00+00:00", "2026-03-31T09:00:00+00:00", "2026-05-29T09:00:00+00:00"]),
        ("0 9 30W 2,3 *", "2026-01-01T00:00:00Z", ["2026-03-30T09:00:00+00:00", "2027-03-30T09:00:00+00:00"]),
        // 2032-02-29 is a Sunday and the last day: Friday the 27th.
        ("0 9 29W 2 *", "2029-01-01T00:00:00Z", ["2032-02-27T09:00:00+00:00"]),
        ("0 9 1W,LW * *", "2026-01-01T00:00:00Z",
         ["2026-01-01T09:00:00+00:00", "2026-01-30T09:00:00+00:00", "2026-02-02T09:00:00+00:00"]),
        // OR with a weekday: nearest weekday to the 15th, or any Sunday.
        ("0 9 15W * SUN", "2026-02-10T00:00:00Z",
         ["2026-02-15T09:00:00+00:00", "2026-02-16T09:00:00+00:00", "2026-02-22T09:00:00+00:00"]),
    ] as [(String, String, [String])])
    func nearestWeekday(expression: String, from: String, expected: [String]) throws {
        #expect(try fires(expression, from: from, count: expected.count) == expected)
    }

    @Test("nil after year 9999")
    func upperBound() throws {
        let cron = try CronExpression("0 0 1 1 *")
        #expect(cron.nextFire(after: instant("9999-06-01T00:00:00Z"), in: zone("UTC")) == nil)
        #expect(cron.nextFire(after: Date(timeIntervalSince1970: 3e11), in: zone("America/New_York")) == nil)
        #expect(cron.nextFire(after: Date.distantFuture, in: zone("America/New_York")) == instant("4001-01-01T05:00:00Z"))
        let last = try CronExpression("59 23 31 12 *")
        #expect(last.nextFire(after: instant("9999-06-01T00:00:00Z"), in: zone("UTC"))
                == instant("9999-12-31T23:59:00Z"))
        #expect(Array(CronSequence(expression: last, timeZone: zone("UTC"), after: instant("9997-06-01T00:00:00Z"))).count == 3)
    }

    @Test("sub-second starts: results are whole seconds strictly after the start")
    func subSecond() throws {
        let cron = try CronExpression("* * * * * *")
        let start = instant("2026-01-01T00:00:00Z").addingTimeInterval(0.75)
        #expect(cron.nextFire(after: start, in: zone("UTC")) == instant("2026-01-01T00:00:01Z"))
    }

    @Test("sequence equals repeated nextFire", arguments: [
        ("*/7 * * * *", "America/New_York"), ("30 1 * * *", "America/New_York"), ("0 */3 * * *", "Australia/Lord_Howe"),
        ("15 2 * * *", "Australia/Lord_Howe"), ("0 0 L * *", "Europe/London"), ("*/20 30 1 * * *", "Europe/London"),
        ("0 0 * * *", "America/Santiago"), ("0 9 15W * *", "Asia/Kathmandu"),
    ])
    func sequenceMatchesNextFire(expression: String, zoneName: String) throws {
        let cron = try CronExpression(expression)
        let tz = zone(zoneName)
        var date = instant("2026-01-01T00:00:00Z")
        for fire in CronSequence(expression: cron, timeZone: tz, after: date).prefix(800) {
            let next = cron.nextFire(after: date, in: tz)
            #expect(next == fire)
            #expect(fire > date)
            date = fire
        }
    }
}

@Suite("Cron concurrency")
struct CronConcurrencyTests {
    @Test("tables are shared safely across tasks")
    func concurrentZones() async throws {
        let cron = try CronExpression("*/7 1-3 * * *")
        let zones = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago",
                     "Pacific/Chatham", "Asia/Tehran", "Africa/Casablanca", "America/Havana"]
        let start = instant("2026-01-01T00:00:00Z")
        let expected = zones.map { name in
            Array(CronSequence(expression: cron, timeZone: zone(name), after: start).prefix(200))
        }
        let results = await withTaskGroup(of: (Int, [Date]).self) { group in
            for round in 0..<4 {
                for (index, name) in zones.enumerated() {
                    group.addTask {
                        // Far-future starts force concurrent table extensions.
                        let far = cron.nextFire(after: instant("\(3000 + round * 1000)-06-01T00:00:00Z"), in: zone(name))
                        #expect(far != nil)
                        return (index, Array(CronSequence(expression: cron, timeZone: zone(name), after: start).prefix(200)))
                    }
                }
            }
            var all: [(Int, [Date])] = []
            for await result in group { all.append(result) }
            return all
        }
        for (index, dates) in results {
            #expect(dates == expected[index])
        }
    }
}
